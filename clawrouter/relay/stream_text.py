"""What a stream generated, kept only for estimating a usage the upstream did not report: its
events are held in small batches; a full batch is dropped when the stream's usage is already
known, else reduced to its generated text. Memory stays flat however long the stream."""

from __future__ import annotations

from typing import Any

import orjson

from clawrouter.relay import estimate
from clawrouter.wire.sse import SSEDecoder

# Events held before a batch is dropped or reduced to its text.
BATCH = 256
# Plain chunks are the upstream's bytes (held for the write anyway, never parsed): reducing
# them costs a decode per event, so a pass-through stream keeps up to this many bytes of them.
PLAIN_BYTES = 4 << 20

Item = str | bytes | dict[str, Any]


class StreamText:
    """Items: an event's data (str), a plain chunk of whole events (bytes) or a parsed event
    (dict). add and add_plain say when the batch is full; the pump then calls settle, saying
    whether the stream's usage is known so far: if it is, the batch is dropped (that usage is
    what settles, and a usage once known stays known: an upstream that reported tokens and
    then zeros would have only its later events estimated), else reduced to its text."""

    __slots__ = ("_bytes", "_items", "_n", "_texts")

    def __init__(self) -> None:
        self._items: list[Item] = []
        self._texts: list[str] = []  # the reduced batches' text, each of one part or more
        self._bytes = 0  # plain chunks' bytes held
        self._n = 0  # other items held

    def add(self, item: str | dict[str, Any]) -> bool:
        self._items.append(item)
        self._n += 1
        return self._n >= BATCH

    def add_plain(self, chunk: bytes) -> bool:
        self._items.append(chunk)
        self._bytes += len(chunk)
        return self._bytes >= PLAIN_BYTES

    def settle(self, usage_known: bool) -> None:
        items, self._items, self._bytes, self._n = self._items, [], 0, 0
        if usage_known:
            return
        parts = _parts(items)
        if parts:  # joined with the rest by one space, exactly as one join of every part
            self._texts.append(" ".join(parts))

    def text(self) -> str:
        """Everything generated: `estimate.output_text` of every event, joined by spaces."""
        return " ".join([*self._texts, *_parts(self._items)])

    def __len__(self) -> int:
        """Items held now (bounded)."""
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
