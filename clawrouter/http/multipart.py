"""multipart/form-data requests: read a client's form (text fields and files, with per-file
size limits). A form travels as two parts: its text fields as a dict (like a JSON body, so
model mapping and overrides work on it unchanged) and its files as a `Form`, kept byte for
byte (clawrouter.wire.multipart, which also encodes one again for an upstream)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import BodyPartReader, MultipartReader, web

from clawrouter.errors import BadRequestError
from clawrouter.wire.multipart import FilePart, Form

MAX_FIELD_BYTES = 1 << 20  # one text field (a prompt is far smaller)
MAX_FILES = 16
_CHUNK = 1 << 16


FileLimit = Mapping[str, int]  # field name -> most bytes allowed ("*" for any other field)


def _too_large(part: str, limit: int) -> BadRequestError:
    mb = limit / (1 << 20)
    size = f"{mb:g} MB" if mb >= 1 else f"{limit} bytes"
    return BadRequestError(
        f"Invalid request: {part} is too large; the limit is {size}", param=part,
        code="file_too_large",
    )  # fmt: skip


async def _read_part(part: BodyPartReader, limit: int, label: str) -> bytes:
    chunks, total = [], 0
    while True:
        chunk = await part.read_chunk(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise _too_large(label, limit)
        chunks.append(chunk)


async def read_form(request: web.Request, limits: FileLimit) -> tuple[dict[str, Any], Form]:
    """(text fields, files). A repeated text field becomes a list. Malformed multipart, a part
    without a name, too many files or a file over its limit → 400."""
    if not request.content_type.startswith("multipart/form-data"):
        raise BadRequestError(
            "Invalid request: the body must be multipart/form-data", code="invalid_request"
        )
    fields: dict[str, Any] = {}
    files: list[FilePart] = []
    try:
        reader = await request.multipart()
        async for part in _parts(reader):
            name = part.name
            if not name:
                raise BadRequestError("Invalid request: a form part has no name")
            ctype = part.headers.get("Content-Type", "")
            if part.filename is not None or (ctype and not ctype.startswith("text/plain")):
                # a file part: it has a filename, or at least a non-text content type
                if len(files) >= MAX_FILES:
                    raise BadRequestError(f"Invalid request: more than {MAX_FILES} files")
                limit = limits.get(name, limits.get("*", 0))
                data = await _read_part(part, limit, name)
                ctype = ctype or "application/octet-stream"
                files.append(FilePart(name, part.filename or name, ctype, data))
                continue
            value = (await _read_part(part, MAX_FIELD_BYTES, name)).decode("utf-8", "replace")
            if name in fields:
                prev = fields[name]
                fields[name] = [*prev, value] if isinstance(prev, list) else [prev, value]
            else:
                fields[name] = value
    except BadRequestError:
        raise
    except (ValueError, AssertionError, RuntimeError, KeyError, UnicodeError) as e:
        raise BadRequestError(f"Invalid request: malformed multipart body ({e})") from None
    return fields, Form(tuple(files))


async def _parts(reader: MultipartReader):
    while True:
        part = await reader.next()
        if part is None:
            return
        if not isinstance(part, BodyPartReader):
            raise BadRequestError("Invalid request: nested multipart bodies are not supported")
        yield part
