"""StreamText: what a stream generated, kept (bounded) for a usage estimate. Its text must be
exactly what one join over every kept event gave (the estimate is billed)."""

from __future__ import annotations

import orjson

from clawrouter.relay import estimate
from clawrouter.relay.stream_text import BUDGET, StreamText
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
        if kept.add_event(item) if isinstance(item, dict) else kept.add(item):
            kept.settle(usage_known)


def _mixed(n: int, pad: int) -> list:
    items: list = []
    for i in range(n):
        word = ["héllo", "世界", "", "plain words"][i % 4] + "x" * pad
        if i % 3 == 0:
            items.append(_chat(word))
        elif i % 3 == 1:
            items.append(orjson.dumps(_chat(word)).decode())
        else:
            items.append(b"data: " + orjson.dumps(_chat(word)) + b"\n\n")
    return items


def test_text_equals_one_join_across_budgets() -> None:
    items = _mixed(3 * 64 + 7, pad=BUDGET // 64)  # about three budgets' worth
    items += ["not json", {"type": "ping"}] * 8  # nothing generated in these
    items += [{"bytes": b"x"}, _chat("the end")]  # a value orjson cannot write: kept as is
    kept = StreamText()
    _feed(kept, items)
    assert len(kept) < 80  # bounded: each full budget was reduced to its text
    assert kept.text() == _one_join(items)
    assert estimate.text_tokens(kept.text()) == estimate.text_tokens(_one_join(items))


def test_small_streams_keep_their_events_as_they_came() -> None:
    items = _mixed(50, pad=0)
    kept = StreamText()
    _feed(kept, items)
    assert len(kept) == 50 and kept.text() == _one_join(items)


def test_what_is_held_is_dropped_once_usage_is_known() -> None:
    kept = StreamText()
    _feed(kept, _mixed(10 * 64, pad=BUDGET // 64), usage_known=True)
    assert len(kept) < 70 and len(kept.text()) < BUDGET
