"""AWS event-stream framing (`application/vnd.amazon.eventstream`, Bedrock's streaming answers),
decoded incrementally. Pure: bytes in, messages out.

A message: prelude = total length (u32 BE), headers length (u32 BE), CRC32 of those 8 bytes
(u32 BE); then the headers; then the payload; then the CRC32 of everything before it (u32 BE).
A header: name length (u8), name (UTF-8), value type (u8), value. Value types: 0 true, 1 false,
2 int8, 3 int16, 4 int32, 5 int64, 6 bytes (u16 length), 7 string (u16 length), 8 timestamp
(int64 ms), 9 UUID (16 bytes). CRCs are zlib's CRC32 (IEEE).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

PRELUDE = 12  # total length, headers length, prelude CRC
MIN_MESSAGE = PRELUDE + 4  # no headers, no payload, message CRC
MAX_MESSAGE = 16 * 1024 * 1024  # the format's limit (payloads are at most 16 MiB)
_INTS = {2: ">b", 3: ">h", 4: ">i", 5: ">q", 8: ">q"}


class EventStreamError(ValueError):
    """A frame that cannot be trusted (bad CRC, impossible lengths, unknown header type)."""


@dataclass(slots=True)
class Message:
    headers: dict[str, Any] = field(default_factory=dict)
    payload: bytes = b""


def _header_value(kind: int, data: bytes, at: int) -> tuple[Any, int]:
    if kind in (0, 1):
        return kind == 0, at
    if kind in _INTS:
        fmt = _INTS[kind]
        size = struct.calcsize(fmt)
        if at + size > len(data):
            raise EventStreamError("truncated header value")
        return struct.unpack_from(fmt, data, at)[0], at + size
    if kind in (6, 7):
        if at + 2 > len(data):
            raise EventStreamError("truncated header value")
        (size,) = struct.unpack_from(">H", data, at)
        end = at + 2 + size
        if end > len(data):
            raise EventStreamError("truncated header value")
        raw = data[at + 2 : end]
        return (raw.decode("utf-8", "replace") if kind == 7 else raw), end
    if kind == 9:
        if at + 16 > len(data):
            raise EventStreamError("truncated header value")
        return data[at : at + 16], at + 16
    raise EventStreamError(f"unknown header value type {kind}")


def parse_headers(data: bytes) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    at = 0
    while at < len(data):
        size = data[at]
        name_end = at + 1 + size
        if name_end + 1 > len(data):
            raise EventStreamError("truncated header name")
        name = data[at + 1 : name_end].decode("utf-8", "replace")
        value, at = _header_value(data[name_end], data, name_end + 1)
        headers[name] = value
    return headers


class EventStreamDecoder:
    """Feed bytes as they arrive; complete messages come out, partial ones wait for more. A
    corrupt frame sets `error` and ends decoding (the stream cannot be resynchronised); the
    messages before it still come out."""

    __slots__ = ("_buf", "error")

    def __init__(self) -> None:
        self._buf = bytearray()
        self.error = ""

    @property
    def pending(self) -> int:
        """Bytes of an incomplete message still buffered."""
        return len(self._buf)

    def feed(self, chunk: bytes) -> list[Message]:
        if self.error:
            return []
        self._buf += chunk
        out: list[Message] = []
        try:
            while len(self._buf) >= PRELUDE:
                message = self._next()
                if message is None:
                    break
                out.append(message)
        except EventStreamError as e:
            self.error = str(e)
            self._buf.clear()
        return out

    def _next(self) -> Message | None:
        total, headers_len, prelude_crc = struct.unpack_from(">III", self._buf, 0)
        if zlib.crc32(self._buf[:8]) != prelude_crc:
            raise EventStreamError("event-stream prelude CRC mismatch")
        if not MIN_MESSAGE <= total <= MAX_MESSAGE or headers_len > total - MIN_MESSAGE:
            raise EventStreamError("event-stream frame has impossible lengths")
        if len(self._buf) < total:
            return None
        frame = bytes(self._buf[:total])
        del self._buf[:total]
        (message_crc,) = struct.unpack_from(">I", frame, total - 4)
        if zlib.crc32(frame[:-4]) != message_crc:
            raise EventStreamError("event-stream message CRC mismatch")
        headers = parse_headers(frame[PRELUDE : PRELUDE + headers_len])
        return Message(headers, frame[PRELUDE + headers_len : -4])
