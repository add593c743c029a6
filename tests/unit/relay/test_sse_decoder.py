"""The SSE decoder's inline paths (`data: ` and `event: ` lines) decode as the general line
parser does, however the bytes are split across reads."""

from __future__ import annotations

import pytest

from clawrouter.wire.sse import SSEDecoder

STREAM = (
    b"event: message_start\ndata: {}\n\n"
    b"event:ping\r\ndata:{}\r\n\r\n"  # no space after the colons: the general parser
    b"event: a:b\nid: 7\ndata: x\ndata: y\n\n"
    b": a comment\nevent: caf\xc3\xa9 \xff\ndata: z\n\n"
    b"event: \ndata: w\n\n"
)
EXPECTED = [
    ("message_start", "{}", None),
    ("ping", "{}", None),
    ("a:b", "x\ny", "7"),
    ("café \ufffd", "z", None),
    ("", "w", None),
]


@pytest.mark.parametrize("size", [len(STREAM), 1, 2, 7, 13])
def test_events_decode_the_same_in_any_split(size: int) -> None:
    decoder = SSEDecoder()
    events = []
    for i in range(0, len(STREAM), size):
        events += decoder.feed(STREAM[i : i + size])
    events += decoder.finish()
    assert [(e.event, e.data, e.id) for e in events] == EXPECTED
