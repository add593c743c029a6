"""A Gemini pass-through stream sends a plain chunk without decoding it (relay.plain_chunks):
the bytes it sends are exactly what decoding and re-framing would send, and every chunk the
pump must look at (the end, a blocked prompt, an error, odd framing) is refused."""

from __future__ import annotations

import pytest

from clawrouter.relay.plain_chunks import gemini_plain
from clawrouter.wire.sse import SSEDecoder

TEXT = (
    b'data: {"candidates":[{"content":{"parts":[{"text":"h\xc3\xa9"}],"role":"model"},'
    b'"index":0}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":1},'
    b'"modelVersion":"gemini-2.0-flash","responseId":"r1"}'
)


def reframed(chunk: bytes) -> bytes:
    return b"".join(b"data: " + ev.data.encode() + b"\n\n" for ev in SSEDecoder().feed(chunk))


@pytest.mark.parametrize("chunk", [TEXT + b"\r\n\r\n", TEXT + b"\n\n", b"data: {}\r\n\r\n"])
def test_plain_chunks_are_sent_as_reframing_would(chunk: bytes) -> None:
    assert gemini_plain(chunk) == reframed(chunk)


@pytest.mark.parametrize(
    "chunk",
    [
        TEXT.replace(b'"index":0', b'"finishReason":"STOP","index":0') + b"\r\n\r\n",
        b'data: {"promptFeedback":{"blockReason":"SAFETY"}}\r\n\r\n',
        b'data: {"error":{"code":500,"message":"boom"}}\r\n\r\n',
        TEXT + b"\r\n\r\n" + TEXT + b"\r\n\r\n",  # two events in one read
        TEXT + b"\r\n",  # not a whole event
        TEXT[:20] + b"\r\n" + TEXT[20:] + b"\r\n\r\n",  # a line break inside
        b"data: \r\n\r\n",
        b"data: [DONE]\r\n\r\n",
        b": comment\r\n\r\n",
        TEXT.replace(b"h\xc3\xa9", b"h\xff") + b"\r\n\r\n",  # invalid UTF-8: re-framing repairs
    ],
)
def test_chunks_the_pump_must_read_are_not_plain(chunk: bytes) -> None:
    assert gemini_plain(chunk) is None
