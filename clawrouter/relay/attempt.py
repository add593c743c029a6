"""One attempt on one channel: choose the key, map the model, convert the body, apply the
channel's overrides, call upstream, then hand back the JSON answer or pump the stream, and
settle the charge. Raises UpstreamError before anything reached the client."""

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
from clawrouter.config import RelayConfig
from clawrouter.relay import conversations, estimate, overrides, responses_route, upstream
from clawrouter.relay import usage as usage_mod
from clawrouter.relay.convert.base import CHAT, GEMINI, MESSAGES, RESPONSES, ConvertContext
from clawrouter.relay.convert.registry import converter
from clawrouter.relay.entries import ChannelEntry
from clawrouter.relay.job import Job
from clawrouter.relay.providers import base
from clawrouter.relay.providers.base import ChannelView, RelayRequest, UpstreamError
from clawrouter.relay.providers.registry import adapter_for
from clawrouter.relay.records import record_consume
from clawrouter.relay.selection import MappingCycleError, map_model, pick_key
from clawrouter.relay.state import RelayState
from clawrouter.relay.streaming import Pump, error_event, open_stream
from clawrouter.relay.usage import Usage

log = logging.getLogger(__name__)
_END_MESSAGES = {
    "timeout": "upstream stream idle timeout",
    "upstream_cut": "upstream closed the stream unexpectedly",
    "internal_error": "the gateway failed while relaying the stream",
}
# The endpoint each upstream protocol natively serves for a converted conversation.
_NATIVE = {CHAT: base.CHAT, MESSAGES: base.MESSAGES, GEMINI: base.GEMINI}
_ID_PREFIX = {CHAT: "chatcmpl-", MESSAGES: "msg_", GEMINI: "", RESPONSES: "resp_"}


def _plan(job: Job, adapter: base.ProviderAdapter, target: str, via_chat: bool) -> tuple[str, Any]:
    """(upstream endpoint, converter or None); `target` is the model's upstream protocol;
    `via_chat` serves a Responses request through the channel's chat completions."""
    if via_chat:
        return base.CHAT, converter(RESPONSES, CHAT)
    if adapter.supports(job.endpoint):
        return job.endpoint, None
    if job.endpoint in (base.CHAT, base.MESSAGES, base.GEMINI, base.RESPONSES):
        try:
            return _NATIVE[target], converter(job.client_format, target)
        except KeyError:
            pass
    raise UpstreamError(
        400,
        f"this channel cannot serve {job.endpoint} requests",
        type="invalid_request_error",
        code="channel:unsupported_endpoint",
        local=True,
    )


def _context(state: RelayState, job: Job) -> ConvertContext:
    prefix = _ID_PREFIX.get(job.client_format, "")
    claude_defaults = state.options["claude.default_max_tokens"]
    return ConvertContext(
        model=job.upstream_model,
        client_model=job.model,
        id=prefix + job.request_id,
        created=job.created_at,
        prompt_tokens_estimate=job.prompt_estimate(),
        default_max_tokens=int(
            claude_defaults.get(job.upstream_model, claude_defaults.get("default", 8192))
        ),
        include_usage=job.include_usage,
        stream=job.stream,
        extra={"request": job.body},
    )


def _view(ch: ChannelEntry, key: str) -> ChannelView:
    return ChannelView(
        id=ch.id, type=ch.type, name=ch.name, base_url=ch.base_url, key=key, other=ch.other,
        organization=ch.organization, setting=ch.setting, settings=ch.settings,
        created_time=ch.created_time,
    )  # fmt: skip


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


def _responses_mode(state: RelayState, job: Job, ch: ChannelEntry, adapter, protocol) -> str:
    """NATIVE unless this is a Responses request an OpenAI-protocol channel could also serve
    through chat completions (see relay.responses_route)."""
    if job.endpoint != base.RESPONSES or protocol != CHAT:
        return responses_route.NATIVE
    if not (adapter.supports(base.RESPONSES) and adapter.supports(base.CHAT)):
        return responses_route.NATIVE  # _plan converts when only chat is there
    policy = state.options[responses_route.POLICY_OPTION]
    models = (job.model, job.upstream_model)
    return responses_route.mode_for(ch, policy, models, state.clock())


async def prepare_call(
    state: RelayState,
    job: Job,
    ch: ChannelEntry,
    http,
    headers: Any = None,
    query: Any = None,
    *,
    fallback: bool = False,
):
    """Key, model mapping, conversion and overrides for one attempt on `ch` -> (adapter,
    converter, context, UpstreamCall). `headers`/`query` are the client's (pass-through).
    `fallback` rebuilds the attempt's call through chat completions, with the same key, after
    the channel answered that it has no /v1/responses."""
    headers = {} if headers is None else headers
    query = {} if query is None else query
    if fallback:
        key = ch.keys[job.key_index]
    else:
        picked = pick_key(ch, state.rng)
        if picked is None:
            raise UpstreamError(503, "channel has no enabled key", code="channel:no_available_key")
        job.key_index, key = picked
    try:
        job.upstream_model = map_model(ch.model_mapping, job.model)
    except MappingCycleError as e:
        raise UpstreamError(
            500, f"model mapping contains a cycle: {e}",
            code="channel:model_mapping_contains_cycle", local=True,
        ) from None  # fmt: skip
    adapter = adapter_for(ch.type)
    if adapter is None:
        raise UpstreamError(
            500, f"channel type {ch.type} is not supported yet",
            code="channel:unsupported_type", local=True,
        )  # fmt: skip
    protocol = base.protocol_for(adapter, job.upstream_model)
    mode = responses_route.CHAT if fallback else _responses_mode(state, job, ch, adapter, protocol)
    job.responses_fallback = mode == responses_route.AUTO
    endpoint, conv = _plan(job, adapter, protocol, mode == responses_route.CHAT)
    job.upstream_format = protocol if conv is not None else job.client_format
    ctx = _context(state, job) if conv is not None or endpoint == base.MESSAGES else None
    if conv is not None:
        history = await conversations.history_for(state, job, conv)
        if history is not None:
            ctx.extra["history"] = history
        body = conv.request(job.body, ctx)
        job.upstream_body, job.response_id = body, ctx.id
    else:
        body = dict(job.body)
        if "model" in body or endpoint not in (base.GEMINI, base.GEMINI_EMBED):
            body["model"] = job.upstream_model
    if endpoint == base.MESSAGES and conv is None and "max_tokens" not in body:
        assert ctx is not None  # built for every messages endpoint above
        body["max_tokens"] = ctx.default_max_tokens  # Anthropic requires it
    overrides.system_prompt(ch, endpoint, body)
    body = overrides.apply_param_override(ch.param_override, body)
    req = RelayRequest(
        endpoint=endpoint, model=job.upstream_model, body=body, stream=job.stream,
        client_headers=headers, client_query=query, path=job.path,
        now=int(state.clock()),
    )  # fmt: skip
    view = _view(ch, key)
    view.access_token = await state.credentials.token(adapter, view, http, 30.0)
    call = adapter.prepare(req, view)
    overrides.apply_header_override(ch.header_override, call.headers, headers, key)
    return adapter, conv, ctx, call


async def attempt(
    request: web.Request,
    state: RelayState,
    job: Job,
    ch: ChannelEntry,
    http: aiohttp.ClientSession,
    cfg: RelayConfig,
) -> web.StreamResponse:
    job.channel = ch
    adapter, conv, ctx, call = await prepare_call(
        state, job, ch, http, request.headers, request.query
    )
    limits = upstream.timeout_for(cfg, job.stream)
    resp = await upstream.send(http, call, limits)
    if resp.status != 200:
        err = await upstream.read_error(resp, adapter)
        if not (job.responses_fallback and responses_route.endpoint_missing(err)):
            raise err
        adapter, conv, ctx, call = await prepare_call(
            state, job, ch, http, request.headers, request.query, fallback=True
        )
        resp = await upstream.send(http, call, limits)
        if resp.status != 200:
            raise await upstream.read_error(resp, adapter)
        _learnt_chat_only(state, job, ch, err)
    if job.stream:
        return await _stream(request, state, job, resp, adapter, conv and conv.Stream(ctx))
    return await _collect(state, job, resp, adapter, conv, ctx)


def _learnt_chat_only(state: RelayState, job: Job, ch: ChannelEntry, err: UpstreamError) -> None:
    if ch.responses_via_chat_until <= state.clock():
        log.info(
            "channel #%s (%s) answered %s on /v1/responses; serving Responses requests through"
            " its chat completions for the next %s s",
            ch.id, ch.name, err.status, responses_route.REMEMBER_SECONDS,
        )  # fmt: skip
    responses_route.remember(ch, state.clock())
    job.content_notes.append("served through chat completions (channel has no /v1/responses)")


async def _collect(state, job, resp, adapter, conv, ctx) -> web.Response:
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


async def _stream(request, state, job, resp, adapter, conv) -> web.StreamResponse:
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
            await pump.write(error_event(job.client_format, 502, text, job.end_reason))
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
