"""The relay pipeline: authenticate -> route -> price and reserve -> try channels (fail over
before the first byte only) -> stream or collect -> settle and log. Reads only memory."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from clawrouter.billing import pricing
from clawrouter.errors import BadRequestError, ClawError, ForbiddenError, ServiceUnavailableError
from clawrouter.http.request import check_depth, client_ip, read_body
from clawrouter.keys import CONFIG, HTTP, JOB, LIMITERS, RELAY, REQUEST_ID
from clawrouter.relay import estimate, model_limits
from clawrouter.relay.attempt import attempt
from clawrouter.relay.failover import handle_failure, should_retry
from clawrouter.relay.job import Job, JobSetup
from clawrouter.relay.keyauth import RelayCaller, authenticate_key
from clawrouter.relay.providers.base import UpstreamError
from clawrouter.relay.quota import Charge
from clawrouter.relay.request_fields import check_fields
from clawrouter.relay.selection import matching_names, pick
from clawrouter.relay.state import RelayState

log = logging.getLogger(__name__)
AttemptFn = Callable[..., Awaitable[web.StreamResponse]]


async def parse_body(request: web.Request) -> dict[str, Any]:
    return (await parse_body_raw(request))[0]


async def parse_body_raw(request: web.Request) -> tuple[dict[str, Any], bytes]:
    """The client's JSON object and its bytes (forwarded as they came when nothing in the
    body changes: see relay.attempt)."""
    raw = await read_body(request)
    if not raw or raw.isspace():  # (not raw.strip(): no copy of the body)
        raise BadRequestError("request body is empty; a JSON object is expected")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise BadRequestError(f"Invalid request: body is not valid JSON ({e})") from None
    check_depth(raw, body)
    if not isinstance(body, dict):
        raise BadRequestError("Invalid request: body must be a JSON object")
    return body, raw


def _groups(state: RelayState, caller: RelayCaller) -> list[str]:
    if caller.group != "auto":
        return [caller.group]
    auto = caller.token.auto_groups or state.options["AutoGroups"] or ["default"]
    usable = state.usable_groups(caller.user.group)
    return [g for g in auto if isinstance(g, str) and g in usable]


def routes_for(state: RelayState, caller: RelayCaller, model: str) -> list[tuple[str, Any]]:
    if caller.pinned_channel is not None:
        ch = state.channels.get(caller.pinned_channel)
        if ch is None:
            raise BadRequestError(f"Invalid channel id {caller.pinned_channel}")
        if ch.status != 1:
            raise ForbiddenError("this channel has been disabled", code="channel_disabled")
        return [(caller.group if caller.group != "auto" else "default", [[ch]])]
    found = []
    for group in _groups(state, caller):
        for name in matching_names(model):
            tiers = state.tiers(group, name)
            if tiers:
                found.append((group, tiers))
                break
    if not found:
        group = caller.group
        raise ServiceUnavailableError(
            f"No available channel for model {model} under group {group}",
            code="model_not_found",
        )
    return found


def _check_model(caller: RelayCaller, model: str) -> None:
    token = caller.token
    if token.model_limits_enabled:
        if not token.model_limits:
            raise ForbiddenError(
                "This API key has no access to any model", code="model_not_allowed"
            )
        if not any(name in token.model_limits for name in matching_names(model)):
            raise ForbiddenError(
                f"This API key has no access to model {model}", code="model_not_allowed"
            )


def _price(state: RelayState, job: Job, group: str) -> pricing.Price:
    user = job.caller.user
    self_use = state.options["SelfUseModeEnabled"] or bool(
        user.setting.get("accept_unset_model_ratio_model")
    )
    try:
        return state.price(job.model, group, user.group, self_use)
    except pricing.UnpricedModelError:
        raise BadRequestError(
            f"model {job.model} has no price or ratio configured; ask an administrator to set"
            " one (or enable self-use mode)",
            code="model_price_error",
            type="new_api_error",
        ) from None


def _reserve_amount(state: RelayState, job: Job) -> int:
    """The quota to reserve before the call (0 for trusted callers: the trust bypass applies
    before anything is estimated). Decided without awaiting: only the ledger may wait."""
    price = job.price
    assert price is not None
    token, user = job.caller.token, job.caller.user
    options = state.options
    qpu = int(options["QuotaPerUnit"])
    if pricing.is_trusted(token.unlimited, token.remain_quota, user.quota, qpu):
        return 0  # the trust bypass: nothing is reserved, so no estimate is needed
    if price.free and not options["quota_setting.enable_free_model_pre_consume"]:
        return 0
    try:
        return pricing.pre_consume_quota(
            price,
            job.prompt_estimate(),
            job.output_reserve if job.output_reserve >= 0 else estimate.max_output_tokens(job.body),
            qpu,
            options["PreConsumedQuota"],
            other_ratios=job.other_ratios,
        )
    except pricing.QuotaOverflowError as e:
        raise BadRequestError(str(e), code="model_price_error") from None


def _include_usage(body: dict[str, Any]) -> bool:
    opts = body.get("stream_options")
    if isinstance(opts, dict) and "include_usage" in opts:
        return bool(opts["include_usage"])
    return True


def to_client_error(err: UpstreamError) -> ClawError:
    extra = {"anthropic_type": err.type} if err.protocol == "anthropic" and err.type else {}
    return ClawError(
        err.message,
        status=err.status,
        code=err.code or None,
        type=err.type or "upstream_error",
        retry_after=err.retry_after if err.status == 429 else None,
        extra=extra,
    )


async def start_job(
    request: web.Request,
    client_format: str,
    endpoint: str,
    *,
    path_model: str | None = None,
    stream: bool | None = None,
    caller: RelayCaller | None = None,
    body: dict[str, Any] | None = None,
    setup: JobSetup | None = None,
    reserve: bool = True,
) -> tuple[RelayState, Job]:
    """Authenticate the API key (or take the `caller` already resolved, with its parsed
    `body`: the playground's session user), check and price the request, reserve quota
    (`reserve=False`: only check that the wallet is not empty — a Realtime session charges
    turn by turn)."""
    state = request.app[RELAY]
    cfg = request.app[CONFIG]
    ip = client_ip(request, cfg.server.trust_forwarded_for)
    if caller is None:
        caller = authenticate_key(state, request, ip)
    raw: bytes | None = None
    if body is None:
        body, raw = await parse_body_raw(request)
    model = path_model if path_model is not None else body.get("model")
    if model is None and endpoint == "moderations":
        model = "text-moderation-stable"
    if not isinstance(model, str) or not model.strip():
        raise BadRequestError("Invalid request: model must be a non-empty string", param="model")
    model = model.strip()
    check_fields(endpoint, body)
    _check_model(caller, model)
    # new-api's per-user model limits, by the key's group, else the user's (none by default)
    limits = model_limits.limits_for(state.options, caller.token.group or caller.user.group)
    if limits is not None:
        await model_limits.check(request.config_dict[LIMITERS].windows, limits, caller.user.id)
    if stream is None:
        stream = body.get("stream") is True
    routes = routes_for(state, caller, model)
    job = Job(
        # request_id, path, client_format, endpoint, body, model, stream, caller, ip, started,
        # created_at, routes, group (positional: with keywords the call costs ~1 µs more)
        request[REQUEST_ID], request.path, client_format, endpoint, body, model, stream, caller,
        ip, time.perf_counter(), int(state.clock()), routes, routes[0][0],
        include_usage=_include_usage(body), raw_body=raw,
    )  # fmt: skip
    request[JOB] = job  # the metrics and the access log read its model, channel and caller
    job.price = _price(state, job, job.group)
    if setup is not None:
        setup(job)  # media requests: form, meter, per-call ratios, prompt estimate
    job.charge = Charge(state, caller.token, caller.user)
    await job.charge.reserve(_reserve_amount(state, job) if reserve else 0)
    return state, job


async def run_job(
    request: web.Request, state: RelayState, job: Job, attempt_fn: AttemptFn = attempt
) -> web.StreamResponse:
    """Try the job's channels in order with `attempt_fn` (one attempt on one channel; it
    raises UpstreamError, before anything reached the client, to fail over)."""
    http = request.app[HTTP]
    cfg = request.app[CONFIG].relay
    retries = max(int(state.options["RetryTimes"]), 0)
    last: UpstreamError | None = None
    route_idx, attempts = 0, 0
    try:
        while attempts <= retries and route_idx < len(job.routes):
            group, tiers = job.routes[route_idx]
            ch = pick(tiers, job.tried, state.rng)
            if ch is None:
                if not job.caller.token.cross_group_retry:
                    break
                route_idx += 1
                continue
            if group != job.group:
                job.group, job.price = group, _price(state, job, group)
            attempts += 1
            job.tried.append(ch.id)
            try:
                answer = await attempt_fn(request, state, job, ch, http, cfg)
            except UpstreamError as err:
                last = handle_failure(state, job, ch, err)
                if job.started_response or not should_retry(state, job, last):
                    break
            else:
                caller = job.caller
                group = caller.token.group or caller.user.group
                limits = model_limits.limits_for(state.options, group)
                if limits is not None:
                    windows = request.config_dict[LIMITERS].windows
                    await model_limits.succeeded(windows, limits, caller.user.id)
                return answer
    except BaseException:
        assert job.charge is not None
        job.charge.refund()
        raise
    assert job.charge is not None
    job.charge.refund()
    if last is None:
        raise ServiceUnavailableError(
            f"No available channel for model {job.model} under group {job.group}",
            code="model_not_found",
        )
    raise to_client_error(last)


async def relay(
    request: web.Request,
    client_format: str,
    endpoint: str,
    *,
    path_model: str | None = None,
    stream: bool | None = None,
) -> web.StreamResponse:
    state, job = await start_job(
        request, client_format, endpoint, path_model=path_model, stream=stream
    )
    return await run_job(request, state, job)
