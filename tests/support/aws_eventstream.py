"""A small AWS event-stream encoder for tests (the gateway only decodes): frames with typed
headers and zlib CRC32s, Bedrock `chunk` events and exceptions."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from typing import Any

# (name, type code, value); type codes as in clawrouter.relay.providers.bedrock_eventstream.
Header = tuple[str, int, Any]
_FIXED = {2: ">b", 3: ">h", 4: ">i", 5: ">q", 8: ">q"}


def encode_header(name: str, kind: int, value: Any) -> bytes:
    raw = name.encode()
    out = bytes([len(raw)]) + raw + bytes([kind])
    if kind in (0, 1):
        return out
    if kind in _FIXED:
        return out + struct.pack(_FIXED[kind], value)
    if kind in (6, 7):
        data = value.encode() if isinstance(value, str) else bytes(value)
        return out + struct.pack(">H", len(data)) + data
    if kind == 9:
        return out + bytes(value)
    raise ValueError(kind)


def frame(
    headers: list[Header], payload: bytes, *, bad_prelude: bool = False, bad_message: bool = False
) -> bytes:
    block = b"".join(encode_header(*h) for h in headers)
    total = 12 + len(block) + len(payload) + 4
    prelude = struct.pack(">II", total, len(block))
    prelude_crc = zlib.crc32(prelude) ^ (1 if bad_prelude else 0)
    body = prelude + struct.pack(">I", prelude_crc) + block + payload
    return body + struct.pack(">I", zlib.crc32(body) ^ (1 if bad_message else 0))


def chunk(event: dict[str, Any], **kw: bool) -> bytes:
    """A Bedrock `chunk` event carrying one Anthropic stream event."""
    inner = base64.b64encode(json.dumps(event).encode()).decode()
    payload = json.dumps({"bytes": inner, "p": "abcdefgh"}).encode()
    headers: list[Header] = [
        (":event-type", 7, "chunk"),
        (":content-type", 7, "application/json"),
        (":message-type", 7, "event"),
    ]
    return frame(headers, payload, **kw)


def exception(kind: str, message: str) -> bytes:
    headers: list[Header] = [
        (":exception-type", 7, kind),
        (":content-type", 7, "application/json"),
        (":message-type", 7, "exception"),
    ]
    return frame(headers, json.dumps({"message": message}).encode())
