"""The SSE answer: open the client's event stream and pump the upstream's events into it as
they arrive (passed through, decoded, or converted), with keep-alive pings; end it with the
format's terminator, or an error event when the upstream broke off; then settle on the usage
the stream reported (or the estimate). A client that hangs up stops the upstream at once and
is billed for what was produced."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from aiohttp import web

from clawrouter.relay import conversations
from clawrouter.relay.answers.delivery import Delivery
from clawrouter.relay.job import Job
from clawrouter.relay.settlement import finalize_usage, settle
from clawrouter.relay.state import RelayState
from clawrouter.relay.streaming import Pump, error_event, open_stream
from clawrouter.wire import usage as usage_mod
from clawrouter.wire.formats import Endpoint, Format, Framing
from clawrouter.wire.usage import Usage

log = logging.getLogger(__name__)
_END_MESSAGES = {
    "eof": "upstream ended the stream before it was complete",
    "timeout": "upstream stream idle timeout",
    "upstream_cut": "upstream closed the stream unexpectedly",
    "internal_error": "the gateway failed while relaying the stream",
}


async def deliver(d: Delivery) -> web.StreamResponse:
    request, state, job, resp, adapter = d.request, d.state, d.job, d.resp, d.adapter
    conv = d.conv and d.conv.Stream(d.ctx)
    out = await open_stream(request, job)
    pump = Pump(job, out, job.upstream_format, conv, request.transport)
    pinger = _start_keepalive(state, job, pump)
    try:
        if conv is None and adapter.stream_framing != Framing.SSE:
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


def _start_keepalive(state: RelayState, job: Job, pump: Pump) -> asyncio.Task | None:
    o = state.options
    if not o["general_setting.ping_interval_enabled"] or job.client_format == Format.GEMINI:
        return None
    interval = max(int(o["general_setting.ping_interval_seconds"]), 1)
    task = asyncio.get_running_loop().create_task(pump.keepalive(interval))
    task.add_done_callback(lambda t: t.cancelled() or t.exception())
    return task


def _needs_usage_chunk(pump: Pump, job: Job) -> bool:
    """A chat client that wants usage, on a pass-through stream whose upstream sent none."""
    no_usage = pump.usage is None or pump.usage.is_empty()
    return job.include_usage and no_usage and pump.conv is None and job.endpoint == Endpoint.CHAT


def _stream_usage(pump: Pump) -> Usage | None:
    return pump.conv.usage if pump.conv is not None else pump.read_usage()


async def _finish_stream(pump: Pump, job: Job, usage: Usage) -> None:
    """Close the client's stream in one write: the last events the pump left in its buffer,
    then an error event when it broke, else the synthetic usage chunk a chat client expects
    when the upstream sent none, then the format's terminator."""
    if job.end_reason == "client_gone":
        return
    try:
        tail = pump.take()
        chunk = None
        text = _END_MESSAGES.get(job.end_reason)
        if text is not None:
            tail += error_event(job.client_format, 502, text, job.end_reason, pump.sent)
        elif _needs_usage_chunk(pump, job):
            chunk = {
                "id": f"chatcmpl-{job.request_id}", "object": "chat.completion.chunk",
                "created": job.created_at, "model": job.model, "choices": [],
                "usage": usage_mod.to_openai(usage),
            }  # fmt: skip
        if job.end_reason != "upstream_error":
            tail += pump.terminator(chunk)
        await pump.out.write_eof(tail)
    except (ConnectionError, aiohttp.ClientConnectionResetError):
        job.end_reason = "client_gone"
