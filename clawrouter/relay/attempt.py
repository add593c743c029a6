"""One attempt on one channel: choose the key, map the model, convert the body, apply the
channel's overrides, call upstream (falling back to chat completions for a Responses request
when relay.responses_route allows), then hand the answer to its kind in relay.answers.
Raises UpstreamError before anything reached the client."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from aiohttp import web

from clawrouter.config import RelayConfig
from clawrouter.keys import UPSTREAM
from clawrouter.relay import (
    answers,
    conversations,
    overrides,
    responses_route,
    settlement,
    upstream,
)
from clawrouter.relay.convert.base import ConvertContext
from clawrouter.relay.convert.registry import converter
from clawrouter.relay.entries import ChannelEntry
from clawrouter.relay.job import Job
from clawrouter.relay.providers import base
from clawrouter.relay.providers.base import ChannelView, RelayRequest, UpstreamError
from clawrouter.relay.providers.registry import adapter_for
from clawrouter.relay.selection import MappingCycleError, map_model, pick_key
from clawrouter.relay.state import RelayState
from clawrouter.wire.formats import Endpoint, Format

log = logging.getLogger(__name__)
# The endpoint each upstream protocol natively serves for a converted conversation.
_NATIVE = {
    Format.OPENAI: Endpoint.CHAT,
    Format.ANTHROPIC: Endpoint.MESSAGES,
    Format.GEMINI: Endpoint.GEMINI,
}
# Read once: an Enum member costs ~0.1 µs a read (Python 3.11), and these are per request.
_MESSAGES, _RESPONSES = Endpoint.MESSAGES, Endpoint.RESPONSES
_MODEL_IN_PATH = frozenset((Endpoint.GEMINI, Endpoint.GEMINI_EMBED))  # no "model" in the body
_ID_PREFIX = {
    Format.OPENAI: "chatcmpl-",
    Format.ANTHROPIC: "msg_",
    Format.GEMINI: "",
    Format.RESPONSES: "resp_",
}


def _plan(job: Job, adapter: base.ProviderAdapter, target: str, via_chat: bool) -> tuple[str, Any]:
    """(upstream endpoint, converter or None); `target` is the model's upstream protocol;
    `via_chat` serves a Responses request through the channel's chat completions."""
    if via_chat:
        return Endpoint.CHAT, converter(Format.RESPONSES, Format.OPENAI)
    if adapter.supports(job.endpoint):
        return job.endpoint, None
    if job.endpoint in (Endpoint.CHAT, Endpoint.MESSAGES, Endpoint.GEMINI, Endpoint.RESPONSES):
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


class _JobContext(ConvertContext):
    """The converter's context, whose prompt estimate is the job's, computed on first read: a
    converter reads it only when the upstream reported no usage (and the job may already have
    it, from the quota reservation)."""

    __slots__ = ("job",)

    def __init__(self, job: Job, *fields: Any) -> None:
        self.job = job
        super().__init__(*fields)

    @property  # type: ignore[override]
    def prompt_tokens_estimate(self) -> int:
        return self.job.prompt_estimate()

    @prompt_tokens_estimate.setter
    def prompt_tokens_estimate(self, tokens: int) -> None:
        self.job.estimated_prompt = tokens  # -1 (from __init__): not estimated yet


def _context(state: RelayState, job: Job, converting: bool) -> ConvertContext:
    """The converter's context; a native Messages call (not `converting`) only needs its
    default max_tokens, so the prompt is not estimated for it."""
    claude_defaults = state.options["claude.default_max_tokens"]
    model = job.upstream_model
    max_tokens = claude_defaults.get(model, claude_defaults.get("default", 8192))
    # positional: model, client_model, id, created, prompt_tokens_estimate, default_max_tokens,
    # include_usage, stream, extra (with keywords the call costs more)
    fields = (
        model, job.model, _ID_PREFIX.get(job.client_format, "") + job.request_id, job.created_at,
        job.estimated_prompt, int(max_tokens), job.include_usage, job.stream,
        {"request": job.body},
    )  # fmt: skip
    if converting:
        return _JobContext(job, *fields)
    return ConvertContext(*fields[:4], 0, *fields[5:])


def map_job_model(job: Job, ch: ChannelEntry) -> None:
    """job.upstream_model: the requested model through the channel's mapping."""
    try:
        job.upstream_model = map_model(ch.model_mapping, job.model)
    except MappingCycleError as e:
        raise UpstreamError(
            500, f"model mapping contains a cycle: {e}",
            code="channel:model_mapping_contains_cycle", local=True,
        ) from None  # fmt: skip


def key_and_model(state: RelayState, job: Job, ch: ChannelEntry) -> str:
    """The channel key this attempt uses (job.key_index) and its upstream model name."""
    picked = pick_key(ch, state.rng)
    if picked is None:
        raise UpstreamError(503, "channel has no enabled key", code="channel:no_available_key")
    job.key_index, key = picked
    map_job_model(job, ch)
    return key


def channel_view(ch: ChannelEntry, key: str) -> ChannelView:
    # positional: id, type, name, base_url, key, other, organization, setting, settings,
    # created_time (with keywords the call costs more)
    return ChannelView(
        ch.id, ch.type, ch.name, ch.base_url, key, ch.other, ch.organization, ch.setting,
        ch.settings, ch.created_time,
    )  # fmt: skip


def _responses_mode(state: RelayState, job: Job, ch: ChannelEntry, adapter, protocol) -> str:
    """NATIVE unless this is a Responses request an OpenAI-protocol channel could also serve
    through chat completions (see relay.responses_route)."""
    if job.endpoint != _RESPONSES or protocol != Format.OPENAI:
        return responses_route.NATIVE
    if not (adapter.supports(Endpoint.RESPONSES) and adapter.supports(Endpoint.CHAT)):
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
        map_job_model(job, ch)
    else:
        key = key_and_model(state, job, ch)
    adapter = adapter_for(ch.type)
    if adapter is None:
        raise UpstreamError(
            500, f"channel type {ch.type} is not supported yet",
            code="channel:unsupported_type", local=True,
        )  # fmt: skip
    protocol = adapter.protocol_for(job.upstream_model)
    mode = responses_route.CHAT if fallback else _responses_mode(state, job, ch, adapter, protocol)
    job.responses_fallback = mode == responses_route.AUTO
    endpoint, conv = _plan(job, adapter, protocol, mode == responses_route.CHAT)
    job.upstream_endpoint = endpoint
    job.upstream_format = protocol if conv is not None else job.client_format
    converting = conv is not None
    ctx = _context(state, job, converting) if converting or endpoint == _MESSAGES else None
    if conv is not None:
        history = await conversations.history_for(state, job, conv)
        if history is not None:
            ctx.extra["history"] = history
        body = conv.request(job.body, ctx)
        job.upstream_body, job.response_id = body, ctx.id
    else:
        body = dict(job.body)
        if "model" in body or endpoint not in _MODEL_IN_PATH:
            body["model"] = job.upstream_model
    if endpoint == _MESSAGES and conv is None and "max_tokens" not in body:
        assert ctx is not None  # built for every messages endpoint above
        body["max_tokens"] = ctx.default_max_tokens  # Anthropic requires it
    overrides.system_prompt(ch, endpoint, body)
    body = overrides.apply_param_override(ch.param_override, body)
    # endpoint, model, body, stream, client_headers, client_query, path, now, form
    req = RelayRequest(
        endpoint, job.upstream_model, body, job.stream, headers, query, job.path,
        int(state.clock()), job.form,
    )  # fmt: skip
    if conv is None and _bytes_reusable(job, ch):
        req.raw, req.original = job.raw_body, job.body
    view = channel_view(ch, key)
    view.access_token = await state.credentials.token(adapter, view, http, 30.0)
    call = adapter.prepare(req, view)
    overrides.apply_header_override(ch.header_override, call.headers, headers, key)
    return adapter, conv, ctx, call


def _bytes_reusable(job: Job, ch: ChannelEntry) -> bool:
    """Whether the client's bytes may stand for their parsed body when it is sent unchanged
    (providers.base.json_bytes): not after a param override (its operations may change nested
    values in place, so an equal body proves nothing), and not when the bytes name `model` or
    `stream` twice (a parser that keeps the first of duplicate keys would read another model
    than the one routed and billed)."""
    raw = job.raw_body
    return (
        raw is not None
        and not ch.param_override
        and raw.count(b'"model"') <= 1
        and raw.count(b'"stream"') <= 1
    )


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
    try:
        limits = upstream.timeout_for(cfg, job.stream)
        lean = request.app.get(UPSTREAM)
        resp = await upstream.send(http, call, limits, lean)
        if resp.status != 200:
            err = await upstream.read_error(resp, adapter)
            if not (job.responses_fallback and responses_route.endpoint_missing(err)):
                raise err
            adapter, conv, ctx, call = await prepare_call(
                state, job, ch, http, request.headers, request.query, fallback=True
            )
            resp = await upstream.send(http, call, limits, lean)
            if resp.status != 200:
                raise await upstream.read_error(resp, adapter)
            _learnt_chat_only(state, job, ch, err)
        kind = adapter.answer_kind(job.upstream_endpoint, job.stream)
        return await answers.deliver(
            kind, answers.Delivery(request, state, job, resp, adapter, conv, ctx)
        )
    except asyncio.CancelledError:
        # The client hung up (runner: handler_cancellation) while the upstream was working:
        # leaving this frame closed the upstream request; bill what was produced, once.
        settlement.bill_hang_up(state, job)
        raise


def _learnt_chat_only(state: RelayState, job: Job, ch: ChannelEntry, err: UpstreamError) -> None:
    if ch.responses_via_chat_until <= state.clock():
        log.info(
            "channel #%s (%s) answered %s on /v1/responses; serving Responses requests through"
            " its chat completions for the next %s s",
            ch.id, ch.name, err.status, responses_route.REMEMBER_SECONDS,
        )  # fmt: skip
    responses_route.remember(ch, state.clock())
    job.content_notes.append("served through chat completions (channel has no /v1/responses)")
