"""StreamText: what a stream generated, kept in bounded batches for a usage estimate. Its text
must be exactly what one join over every kept event gave (the estimate is billed)."""

from __future__ import annotations

import orjson

from clawrouter.relay import estimate
from clawrouter.relay.stream_text import BATCH, PLAIN_BYTES, StreamText
from clawrouter.wire.sse import SSEDecoder


def _chat(text: str) -> dict:
    return {"id": "c", "object": "chat.completion.chunk", "choices": [{"delta": {"content": text}}]}


def _one_join(items: list) -> str:
    """The old way: every event kept, decoded and joined at the end."""
    parts: list[str] = []
    for item in items:
        is_chunk = isinstance(item, bytes)
        for data in [ev.data for ev in SSEDecoder().feed(item)] if is_chunk else [item]:
            if isinstance(data, str):
                try:
                    data = orjson.loads(data)
                except orjson.JSONDecodeError:
                    continue
            estimate.output_text(data, parts)
    return " ".join(parts)


def _feed(kept: StreamText, items: list, usage_known: bool = False) -> None:
    for item in items:
        full = kept.add_plain(item) if isinstance(item, bytes) else kept.add(item)
        if full:
            kept.settle(usage_known)


def test_text_equals_one_join_across_batches() -> None:
    items: list = []
    for i in range(3 * BATCH + 7):
        word = ["héllo", "世界", "", "plain words"][i % 4]
        if i % 3 == 0:
            items.append(_chat(word))
        elif i % 3 == 1:
            items.append(orjson.dumps(_chat(word)).decode())
        else:
            items.append(b"data: " + orjson.dumps(_chat(word)) + b"\n\n")
    items += ["not json", {"type": "ping"}] * BATCH  # batches with no text at all
    items.append(_chat("the end"))
    kept = StreamText()
    _feed(kept, items)
    assert kept.text() == _one_join(items)
    assert len(kept) < BATCH  # bounded: the full batches were reduced to their text
    text = kept.text()
    assert estimate.text_tokens(text) == estimate.text_tokens(_one_join(items))


def test_batches_are_dropped_once_usage_is_known() -> None:
    kept = StreamText()
    _feed(kept, [_chat("x" * 100)] * (10 * BATCH), usage_known=True)
    assert len(kept) == 0 and kept.text() == ""


def test_plain_chunks_are_kept_as_bytes_up_to_the_budget() -> None:
    chunk = b"data: " + orjson.dumps(_chat("y" * 1000)) + b"\n\n"
    kept = StreamText()
    n = -(-PLAIN_BYTES // len(chunk)) + 10  # the budget is reached at the ceiling
    _feed(kept, [chunk] * n)
    assert len(kept) == 10  # one budget's worth reduced to text, the rest held as bytes
    assert kept.text() == " ".join(["y" * 1000] * n)
