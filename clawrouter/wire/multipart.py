"""multipart/form-data as data: a request's files (`Form`, kept byte for byte) and the encoder
that puts text fields and files back on the wire for an upstream. Pure; reading a client's
form is clawrouter.http.multipart."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FilePart:
    name: str  # the form field ("image", "image[]", "mask", "file")
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Form:
    """The files of a multipart request, in the order the client sent them."""

    files: tuple[FilePart, ...] = ()

    def named(self, *names: str) -> list[FilePart]:
        return [f for f in self.files if f.name in names]


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def encode(fields: Mapping[str, Any], form: Form, boundary: str | None = None) -> tuple[bytes, str]:
    """(body, content type): each text field (a list value: one part per item; None skipped;
    other values as their str or JSON-ish text), then each file as it came."""
    boundary = boundary or "clawrouter-" + secrets.token_hex(12)
    dash = f"--{boundary}\r\n".encode()
    out: list[bytes] = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            text = _text(item)
            head = f'Content-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'
            out += [dash, head.encode(), text.encode(), b"\r\n"]
    for f in form.files:
        head = (
            f'Content-Disposition: form-data; name="{_quote(f.name)}"; '
            f'filename="{_quote(f.filename)}"\r\nContent-Type: {f.content_type}\r\n\r\n'
        )
        out += [dash, head.encode(), f.data, b"\r\n"]
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)
