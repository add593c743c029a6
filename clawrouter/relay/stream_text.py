"""What a stream generated, kept only for estimating a usage the upstream did not report: its
events as they came, up to a budget of bytes; a full budget is dropped when the stream's usage
is already known, else reduced to its generated text. Memory is bounded however long the
stream, and a stream whose usage arrives pays for no parsing."""

from __future__ import annotations

from typing import Any

import orjson

from clawrouter.relay import estimate
from clawrouter.wire.sse import SSEDecoder

# Bytes of events a stream keeps as they came (SSE chunks, events' JSON text) before they are
# dropped, when the usage is known by then, or reduced to their generated text.
BUDGET = 4 << 20
_OBJECT_SIZE = 1024  # what a parsed event that cannot be serialised again is counted as

Item = str | bytes | dict[str, Any]


class StreamText:
    """Items: a plain chunk of whole SSE events (bytes), an event's data (str) or a parsed event
    (kept as its JSON text: a quarter of the dict's memory, and no walk through it unless an
    estimate is made). add and add_event say when BUDGET is reached; the pump then calls
    settle, saying whether the stream's usage is known so far: if it is, what is held is
    dropped (that usage is what settles, and a usage once known stays known: an upstream that
    reported tokens and then zeros would have only its later events estimated), else it is
    reduced to its text. A stream holds at most BUDGET, whatever its length."""

    __slots__ = ("_items", "_size", "_texts")

    def __init__(self) -> None:
        self._items: list[Item] = []
        self._texts: list[str] = []  # the reduced batches' text, each of one part or more
        self._size = 0  # bytes held in _items

    def add(self, item: str | bytes) -> bool:
        self._items.append(item)
        self._size += len(item)
        return self._size >= BUDGET

    def add_event(self, obj: dict[str, Any]) -> bool:
        try:
            return self.add(orjson.dumps(obj).decode())
        except orjson.JSONEncodeError:  # not from JSON (a decoder's own value): kept as is
            self._items.append(obj)
            self._size += _OBJECT_SIZE
            return self._size >= BUDGET

    def settle(self, usage_known: bool) -> None:
        items, self._items, self._size = self._items, [], 0
        if usage_known:
            return
        parts = _parts(items)
        if parts:  # joined with the rest by one space, exactly as one join of every part
            self._texts.append(" ".join(parts))

    def text(self) -> str:
        """Everything generated: `estimate.output_text` of every event, joined by spaces."""
        return " ".join([*self._texts, *_parts(self._items)])

    def __len__(self) -> int:
        """Items held now (bounded by BUDGET)."""
        return len(self._items)


def _parts(items: list[Item]) -> list[str]:
    parts: list[str] = []
    for item in items:
        if isinstance(item, bytes):  # a plain chunk: its events' data
            for ev in SSEDecoder().feed(item):
                _add(ev.data, parts)
        else:
            _add(item, parts)
    return parts


def _add(item: str | dict[str, Any], parts: list[str]) -> None:
    if isinstance(item, str):
        try:
            item = orjson.loads(item)
        except orjson.JSONDecodeError:
            return
    estimate.output_text(item, parts)
