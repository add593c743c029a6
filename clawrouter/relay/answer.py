"""The answer of one attempt, once the upstream said 200: collect a JSON answer or pump a
stream to the client (converted when the formats differ), then settle the charge and write the
log row. Also what a client that hangs up before the answer is billed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from clawrouter.billing import pricing
from clawrouter.relay import conversations, estimate, upstream
from clawrouter.relay import usage as usage_mod
from clawrouter.relay.convert.base import GEMINI, MESSAGES
from clawrouter.relay.job import Job
from clawrouter.relay.providers import base
from clawrouter.relay.providers.base import UpstreamError
from clawrouter.relay.records import record_consume
from clawrouter.relay.state import RelayState
from clawrouter.relay.streaming import Pump, error_event, open_stream
from clawrouter.relay.usage import Usage

log = logging.getLogger(__name__)
_END_MESSAGES = {
    "eof": "upstream ended the stream before it was complete",
    "timeout": "upstream stream idle timeout",
    "upstream_cut": "upstream closed the stream unexpectedly",
    "internal_error": "the gateway failed while relaying the stream",
}


def _usage_of(protocol: str, endpoint: str, data: dict[str, Any]) -> Usage | None:
    if protocol == MESSAGES:
        return usage_mod.from_anthropic(data.get("usage"))
    if protocol == GEMINI:
        return usage_mod.from_gemini(data.get("usageMetadata"))
    if endpoint == base.RESPONSES:
        return usage_mod.from_responses(data.get("usage"))
    return usage_mod.from_openai(data.get("usage"))


def finalize_usage(job: Job, usage: Usage | None, output_text: Callable[[], str]) -> Usage:
    """Upstream usage when it has any; otherwise the documented estimate (output_text is
    only called then)."""
    if usage is not None and not usage.is_empty():
        return usage
    est = Usage(
        prompt_tokens=job.prompt_estimate(),
        completion_tokens=estimate.text_tokens(output_text()),
        estimated=True,
    )
    job.content_notes.append("upstream sent no usage; tokens estimated")
    return est


def settle(state: RelayState, job: Job, usage: Usage) -> pricing.Settlement:
    assert job.price is not None and job.charge is not None and job.channel is not None
    settlement = pricing.settle_quota(
        job.price, usage, quota_per_unit=int(state.options["QuotaPerUnit"])
    )
    job.charge.settle(settlement.quota, job.channel.id, int(state.clock()))
    record_consume(state, job, settlement, usage)
    return settlement


async def collect(state, job, resp, adapter, conv, ctx) -> web.Response:
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
    up_usage = _usage_of(job.upstream_format, job.endpoint, data)
    out = conv.response(data, ctx) if conv is not None else None
    if conversations.tracks(job, conv) and data.get("choices"):
        conversations.remember(state, job, job.response_id, data["choices"][0].get("message", {}))
    usage = finalize_usage(job, up_usage, lambda: " ".join(estimate.output_text(data)))
    if out is None and usage.estimated and job.endpoint in (base.CHAT, base.COMPLETIONS):
        data["usage"] = usage_mod.to_openai(usage)
        out = data
    settle(state, job, usage)
    body = raw if out is None else orjson.dumps(out)
    return web.Response(body=body, content_type="application/json")


async def stream(request, state, job, resp, adapter, conv) -> web.StreamResponse:
    out = await open_stream(request, job)
    pump = Pump(job, out, job.upstream_format, conv)
    pinger = _start_keepalive(state, job, pump)
    try:
        if conv is None and getattr(adapter, "binary_stream", False):
            await pump.decoded(resp, adapter)
        elif conv is None:
            await pump.passthrough(resp)
        else:
            await pump.converted(resp, adapter)
    except (ConnectionError, aiohttp.ClientConnectionResetError):
        job.end_reason = "client_gone" if pump.client_gone else "upstream_cut"
    except TimeoutError:
        job.end_reason = "timeout"
    except aiohttp.ClientPayloadError:
        job.end_reason = "upstream_cut"
    except Exception:
        log.exception("stream relay failed")
        job.end_reason = "internal_error"
    except asyncio.CancelledError:
        # The server cancelled the handler because the client went away: bill what was
        # produced (synchronously), then let the cancellation through.
        job.end_reason = "client_gone"
        resp.close()
        settle(state, job, finalize_usage(job, _stream_usage(pump), pump.output_text))
        raise
    finally:
        if pinger is not None:
            pinger.cancel()
        resp.close()
    usage = finalize_usage(job, _stream_usage(pump), pump.output_text)
    await _finish_stream(pump, job, usage)
    settle(state, job, usage)
    if conversations.tracks(job, conv) and job.end_reason == "done":
        conversations.remember(state, job, job.response_id, conv.assistant_message())
    return out


def bill_hang_up(state: RelayState, job: Job) -> None:
    """A client that hung up before its answer began (a stream settles its own hang-up): the
    request reached the upstream, which was working on the prompt, so the prompt is billed —
    as estimated, no output was delivered."""
    assert job.charge is not None
    if job.charge.done:
        return
    job.end_reason = "client_gone"
    job.content_notes.append("client disconnected before the answer; prompt billed")
    settle(state, job, finalize_usage(job, None, str))


def _start_keepalive(state: RelayState, job: Job, pump: Pump) -> asyncio.Task | None:
    o = state.options
    if not o["general_setting.ping_interval_enabled"] or job.client_format == GEMINI:
        return None
    interval = max(int(o["general_setting.ping_interval_seconds"]), 1)
    task = asyncio.get_running_loop().create_task(pump.keepalive(interval))
    task.add_done_callback(lambda t: t.cancelled() or t.exception())
    return task


def _needs_usage_chunk(pump: Pump, job: Job) -> bool:
    """A chat client that wants usage, on a pass-through stream whose upstream sent none."""
    no_usage = pump.usage is None or pump.usage.is_empty()
    return job.include_usage and no_usage and pump.conv is None and job.endpoint == base.CHAT


def _stream_usage(pump: Pump) -> Usage | None:
    return pump.conv.usage if pump.conv is not None else pump.usage


async def _finish_stream(pump: Pump, job: Job, usage: Usage) -> None:
    """Close the client's stream: an error event when it broke, else the synthetic usage chunk
    a chat client expects when the upstream sent none; then the format's terminator."""
    if job.end_reason == "client_gone":
        return
    try:
        chunk = None
        text = _END_MESSAGES.get(job.end_reason)
        if text is not None:
            await pump.write(error_event(job.client_format, 502, text, job.end_reason, pump.sent))
        elif _needs_usage_chunk(pump, job):
            chunk = {
                "id": f"chatcmpl-{job.request_id}", "object": "chat.completion.chunk",
                "created": job.created_at, "model": job.model, "choices": [],
                "usage": usage_mod.to_openai(usage),
            }  # fmt: skip
        if job.end_reason != "upstream_error":
            await pump.terminate(chunk)
        await pump.out.write_eof()
    except (ConnectionError, aiohttp.ClientConnectionResetError):
        job.end_reason = "client_gone"
