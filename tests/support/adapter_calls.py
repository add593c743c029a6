"""Helpers for the provider adapter unit tests: a ChannelView and a RelayRequest in one call,
the sent body, and feeding recorded .sse bytes through a stream decoder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from clawrouter.relay.providers.base import ChannelView, RelayRequest, UpstreamCall
from clawrouter.relay.providers.registry import adapter_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KEY = "sk-ant-TEST-secret-0123456789"
Json = dict[str, Any]
MSG = [{"role": "user", "content": "hi"}]
CONTENTS = [{"role": "user", "parts": [{"text": "hi"}]}]


def channel(type_: int, **kw: Any) -> ChannelView:
    kw.setdefault("base_url", "")
    kw.setdefault("key", KEY)
    return ChannelView(id=3, type=type_, name="c3", **kw)


def prepare(
    type_: int,
    body: Json | None = None,
    *,
    endpoint: str,
    model: str,
    stream: bool = False,
    headers: Any = None,
    query: Any = None,
    path: str = "",
    **ch_kw: Any,
) -> UpstreamCall:
    adapter = adapter_for(type_)
    assert adapter is not None
    req = RelayRequest(
        endpoint=endpoint, model=model, body=dict(body or {}), stream=stream,
        client_headers=headers or {}, client_query=query or {}, path=path,
    )  # fmt: skip
    return adapter.prepare(req, channel(type_, **ch_kw))


def sent(call: UpstreamCall) -> Json:
    assert call.body is not None
    return orjson.loads(call.body)


def decode(decoder: Any, raw: bytes, step: int | None) -> list[Json]:
    events: list[Json] = []
    pieces = [raw] if step is None else [raw[i : i + step] for i in range(0, len(raw), step)]
    for piece in pieces:
        events += decoder.feed(piece)
    return events + decoder.finish()


def data_lines(raw: bytes) -> list[Json]:
    return [orjson.loads(line[5:]) for line in raw.splitlines() if line.startswith(b"data:")]
