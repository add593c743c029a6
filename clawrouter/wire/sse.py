"""Server-sent events: an incremental decoder and per-protocol encoders.

Pure (no aiohttp). The decoder takes raw bytes as they arrive and yields complete events;
converters work on the decoded JSON dicts and the encoders put them back on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

DONE = "[DONE]"
KEEPALIVE = b": PING\n\n"


@dataclass(slots=True)
class SSEEvent:
    data: str
    event: str | None = None
    id: str | None = None

    def json(self) -> Any:
        return orjson.loads(self.data)


class SSEDecoder:
    """Feed bytes, get whole events. Handles CRLF, split lines, comments and multi-line data."""

    __slots__ = ("_buf", "_data", "_event", "_id")

    def __init__(self) -> None:
        self._buf = b""
        self._data: list[str] = []
        self._event: str | None = None
        self._id: str | None = None

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        buf = self._buf + chunk if self._buf else chunk
        if b"\n" not in buf:
            self._buf = buf
            return []
        lines = buf.split(b"\n")
        self._buf = lines.pop()  # the unfinished line, if any
        out: list[SSEEvent] = []
        for line in lines:  # the common lines inline: `data: `, `event: ` and the blank line
            if line.endswith(b"\r"):
                line = line[:-1]
            if line.startswith(b"data: "):
                self._data.append(line[6:].decode("utf-8", "replace"))
            elif line.startswith(b"event: "):
                self._event = line[7:].decode("utf-8", "replace")
            elif line:
                self._line(line.decode("utf-8", "replace"))
            elif self._data or self._event is not None:
                out.append(SSEEvent("\n".join(self._data), self._event, self._id))
                self._data, self._event, self._id = [], None, None
        return out

    def idle(self) -> bool:
        """Between events: no partial line or event pending."""
        return not self._buf and not self._data and self._event is None

    def finish(self) -> list[SSEEvent]:
        """Flush a trailing event that was not followed by a blank line."""
        out: list[SSEEvent] = []
        if self._buf:
            ev = self._line(self._buf.decode("utf-8", "replace").rstrip("\r"))
            self._buf = b""
            if ev is not None:
                out.append(ev)
        ev = self._line("")
        if ev is not None:
            out.append(ev)
        return out

    def _line(self, line: str) -> SSEEvent | None:
        if not line:
            if not self._data and self._event is None:
                return None
            ev = SSEEvent("\n".join(self._data), self._event, self._id)
            self._data, self._event, self._id = [], None, None
            return ev
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            self._id = value
        return None


def encode_data(obj: Any) -> bytes:
    """OpenAI chat / Gemini framing: `data: <json>\\n\\n`."""
    return b"data: " + orjson.dumps(obj) + b"\n\n"


def encode_named(obj: dict[str, Any]) -> bytes:
    """Anthropic / Responses framing: `event: <type>\\ndata: <json>\\n\\n`."""
    return (
        b"event: "
        + str(obj.get("type", "message")).encode()
        + b"\ndata: "
        + orjson.dumps(obj)
        + b"\n\n"
    )


def encode_done() -> bytes:
    return b"data: [DONE]\n\n"
