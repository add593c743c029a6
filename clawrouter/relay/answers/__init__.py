"""How an upstream's answer reaches the client: one small module per kind (the adapter says
which kind an endpoint answers, providers.base.AdapterBase.answer_kind). A new modality is an
adapter plus, at most, one new kind here."""

from __future__ import annotations

from collections.abc import Awaitable
from types import MappingProxyType

from aiohttp import web

from clawrouter.relay.answers import binary, json_body, rerank, sse
from clawrouter.relay.answers.delivery import Delivery
from clawrouter.wire.formats import Answer

KINDS = MappingProxyType(
    {Answer.JSON: json_body, Answer.SSE: sse, Answer.BINARY: binary, Answer.RERANK: rerank}
)

__all__ = ["KINDS", "Delivery", "deliver"]


def deliver(kind: str, d: Delivery) -> Awaitable[web.StreamResponse]:
    """The kind's deliver(d), for the caller to await (a dispatcher needs no coroutine level
    of its own: one frame less resumed at every suspension of the answer)."""
    return KINDS[kind].deliver(d)
