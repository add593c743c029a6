"""The JSON answer: read the upstream's document, convert it to the client's format when they
differ, settle on its usage (or the estimate) and answer in one piece."""

from __future__ import annotations

import time

import orjson
from aiohttp import web

from clawrouter.relay import conversations, estimate, upstream
from clawrouter.relay.answers.delivery import Delivery
from clawrouter.relay.providers.base import UpstreamError
from clawrouter.relay.settlement import finalize_usage, settle, usage_of
from clawrouter.wire import usage as usage_mod
from clawrouter.wire.formats import Endpoint


async def deliver(d: Delivery) -> web.Response:
    state, job, resp, conv, ctx = d.state, d.job, d.resp, d.conv, d.ctx
    raw = await upstream.read_body(resp)
    job.frt_ms = max(1, int((time.perf_counter() - job.started) * 1000))
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise UpstreamError(
            502, "upstream returned an invalid JSON body", code="bad_response_body"
        ) from None
    if not isinstance(data, dict):
        raise UpstreamError(502, "upstream returned an unexpected body", code="bad_response_body")
    up_usage = usage_of(job.upstream_format, job.endpoint, data)
    out = None
    if conv is not None:
        ctx.usage = up_usage  # read once: a converter need not read it again
        out = conv.response(data, ctx)
    if conv is not None and conversations.tracks(job, conv) and data.get("choices"):
        conversations.remember(state, job, job.response_id, data["choices"][0].get("message", {}))
    usage = finalize_usage(job, up_usage, lambda: " ".join(estimate.output_text(data)))
    if out is None and usage.estimated and job.endpoint in (Endpoint.CHAT, Endpoint.COMPLETIONS):
        data["usage"] = usage_mod.to_openai(usage)
        out = data
    settle(state, job, usage)
    body = raw if out is None else orjson.dumps(out)
    return web.Response(body=body, content_type="application/json")
