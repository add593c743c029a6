"""A pass-through stream forwards a plain event's bytes as they came (relay.streaming): only
when decoding and re-framing it would send the very same bytes, and it is not an event the
pump must look at (the end, an error, usage, a finish)."""

from __future__ import annotations

import pytest

from clawrouter.relay.streaming import _MARKERS, plain_event
from clawrouter.wire.formats import Format
from clawrouter.wire.sse import SSEDecoder

CHAT = (
    b'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,'
    b'"delta":{"content":"hi"},"finish_reason":null}],"usage":null}\n\n'
)
NAMED = (
    b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
    b'"delta":{"type":"text_delta","text":"\xc3\xa9t\xc3\xa9"}}\n\n'
)


def reframed(chunk: bytes) -> bytes:
    """What the pump's slow path sends for `chunk`: each event decoded and framed again."""
    out = b""
    for ev in SSEDecoder().feed(chunk):
        if ev.event:
            out += b"event: " + ev.event.encode() + b"\n"
        out += b"data: " + ev.data.encode() + b"\n\n"
    return out


def plain(chunk: bytes) -> bool:
    fmt = Format.ANTHROPIC if chunk.startswith(b"event:") else Format.OPENAI
    return plain_event(chunk, _MARKERS[fmt])


@pytest.mark.parametrize(
    "chunk",
    [CHAT, NAMED, b"data: x\n\n", b"event: ping\ndata: {}\n\n", CHAT * 3, NAMED * 2],
)
def test_plain_events_are_sent_as_reframing_would(chunk: bytes) -> None:
    assert plain(chunk)
    assert reframed(chunk) == chunk


@pytest.mark.parametrize(
    "chunk",
    [
        CHAT + b"data: [DONE]\n\n",
        CHAT + b"data: x\ndata: y\n\n",
        NAMED + b"event: \ndata: x\n\n",
        CHAT + CHAT[:-1],
        b"data: [DONE]\n\n",  # the terminator
        CHAT[:-1],  # an event not finished in this chunk
        CHAT[:40],
        CHAT.replace(b"\n", b"\r\n"),  # CRLF framing is normalised by re-framing
        b": keep-alive\n\n" + CHAT,  # comments are dropped by re-framing
        b"id: 7\n" + CHAT,
        b"data: a\ndata: b\n\n",  # multi-line data
        b"data: \n\n",
        b"data: \xff\xfe\n\n",  # invalid UTF-8 would be replaced
        CHAT.replace(b'"usage":null', b'"usage":{"prompt_tokens":3}'),
        CHAT.replace(b'"usage":null', b'"usage": null'),
        CHAT.replace(b'"finish_reason":null', b'"finish_reason":"stop"'),
        b"event: \ndata: x\n\n",
        b"event: ping\ndata: \n\n",
        b'data: {"candidates":[],"usageMetadata":{"promptTokenCount":1}}\n\n',
        b'event: error\ndata: {"type":"error","error":{"message":"overloaded"}}\n\n',
        b'data: {"error":{"message":"boom"}}\n\n',
        b'event: message_stop\ndata: {"type":"message_stop"}\n\n',
        b'event: message_start\ndata: {"type":"message_start","message":{}}\n\n',
        b'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":5}}\n\n',
    ],
)
def test_chunks_the_pump_must_read_are_not_plain(chunk: bytes) -> None:
    assert not plain(chunk)


def test_responses_end_and_gemini_streams_are_decoded() -> None:
    done = b'event: response.completed\ndata: {"type":"response.completed"}\n\n'
    assert not plain_event(done, _MARKERS[Format.RESPONSES])
    assert Format.GEMINI not in _MARKERS  # usageMetadata in every chunk
