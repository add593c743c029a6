"""/api/channel routes that call upstreams (admin; fetch by body is root): test one channel
or all of them in the background, list a provider's models, and refresh balances. A "test all
channels" run holds a lease in the claims (clawrouter/claims.py), so one runs per gateway, not
one per worker or instance."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import orjson
from aiohttp import web

from clawrouter.api.routing import Routes
from clawrouter.api.validate import int_field, str_field
from clawrouter.auth.roles import ADMIN, ROOT
from clawrouter.changes.change import Change
from clawrouter.db.repo import channels as channels_repo
from clawrouter.errors import ApiError, BadRequestError
from clawrouter.http.render import json_response, ok
from clawrouter.http.request import path_id, query_bool, read_json
from clawrouter.keys import CHANGES, CHANNEL_TESTS, CLAIMS, CLOCK, CONFIG, HTTP, MAIN_DB, RELAY
from clawrouter.relay import upstream_info
from clawrouter.relay.entries import ChannelEntry
from clawrouter.relay.failover import should_disable
from clawrouter.relay.probe import ProbeResult, probe_channel, test_model

log = logging.getLogger(__name__)
NOT_FOUND = "channel not found"
ENABLED, MANUAL, AUTO = 1, 2, 3
LEASE = "lease:channel-tests"  # held while a run goes, by whichever worker or instance runs it
LEASE_SECONDS = 60.0  # renewed every third of it; a run whose process died frees it after this
ALREADY = "a test of all channels is already running"


def _channel(request: web.Request) -> ChannelEntry:
    ch = request.config_dict[RELAY].channels.get(path_id(request))
    if ch is None:
        raise ApiError(NOT_FOUND)
    return ch


async def _set_status(app: Any, ch: ChannelEntry, status: int, reason: str = "") -> None:
    other = dict(ch.other_info)
    if reason:
        other.update(status_reason=reason, status_time=int(app[CLOCK]()))
    await channels_repo.set_status(app[MAIN_DB], ch.id, status, orjson.dumps(other).decode())
    await app[CHANGES].publish(Change("channel", [ch.id]))


async def _run_test(app: Any, ch: ChannelEntry, model: str, stream: bool, *, auto_disable: bool):
    """Probe, record test_time/response_time, then auto-enable (a status-3 channel that
    passed) or, for background runs, auto-disable as the relay would."""
    state, opts = app[RELAY], app[RELAY].options
    result = await probe_channel(state, app[HTTP], app[CONFIG].relay, ch, model, stream)
    millis = int(result.seconds * 1000)
    await channels_repo.set_test_result(app[MAIN_DB], ch.id, int(app[CLOCK]()), millis)
    if result.success and ch.status == AUTO and opts["AutomaticEnableChannelEnabled"]:
        await _set_status(app, ch, ENABLED)
    elif auto_disable and ch.status == ENABLED:
        too_slow = result.success and millis > float(opts["ChannelDisableThreshold"]) * 1000
        if too_slow and opts["AutomaticDisableChannelEnabled"] and ch.auto_ban:
            await _set_status(app, ch, AUTO, "response_time_exceeded")
        elif result.error is not None and should_disable(state, ch, result.error):
            await _set_status(app, ch, AUTO, f"channel test failed: {result.message[:200]}")
    return result


def _test_reply(result: ProbeResult) -> web.Response:
    body: dict[str, Any] = {
        "success": result.success, "message": result.message, "time": round(result.seconds, 3),
    }  # fmt: skip
    if result.error is not None and result.error.code:
        body["error_code"] = result.error.code
    return json_response(body)


async def test_channel(request: web.Request) -> web.Response:
    """?model= (default: test_model, first model, gpt-4o-mini) &stream= → {success, message,
    time (seconds)}."""
    ch = _channel(request)
    model = test_model(ch, request.query.get("model", "").strip())
    stream = query_bool(request, "stream")
    return _test_reply(await _run_test(request.config_dict, ch, model, stream, auto_disable=False))


async def _test_all(app: Any) -> None:
    for ch in list(app[RELAY].channels.values()):
        if ch.status == MANUAL:
            continue
        try:
            await _run_test(app, ch, test_model(ch), False, auto_disable=True)
        except Exception:
            log.exception("testing channel %s failed", ch.id)


async def _renew(app: Any, holder: str) -> None:
    while True:
        await asyncio.sleep(LEASE_SECONDS / 3)
        try:
            await app[CLAIMS].renew(LEASE, LEASE_SECONDS, holder)
        except Exception:
            log.warning("could not renew the channel-test lease", exc_info=True)


async def _leased_test_all(app: Any, holder: str) -> None:
    renewal = asyncio.create_task(_renew(app, holder), name="channel-tests-lease")
    try:
        await _test_all(app)
    finally:
        renewal.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewal
        await asyncio.shield(app[CLAIMS].release(LEASE, holder))


async def test_all_channels(request: web.Request) -> web.Response:
    app, holder = request.config_dict, uuid.uuid4().hex
    if app[CHANNEL_TESTS].running or not await app[CLAIMS].claim(LEASE, LEASE_SECONDS, holder):
        raise ApiError(ALREADY)
    if not app[CHANNEL_TESTS].start(_leased_test_all(app, holder)):
        await app[CLAIMS].release(LEASE, holder)
        raise ApiError(ALREADY)
    return ok()


# ---- models ------------------------------------------------------------------------------------
async def _models(request: web.Request, type_: int, base_url: str, key: str) -> web.Response:
    try:
        ids = await upstream_info.list_models(request.config_dict[HTTP], type_, base_url, key)
    except upstream_info.UpstreamInfoError as e:
        # the upstream refused or failed: a business error (200, success false), never a 5xx
        raise ApiError(f"fetching models failed: {e}") from None
    return ok(ids)


async def fetch_channel_models(request: web.Request) -> web.Response:
    ch = _channel(request)
    return await _models(request, ch.type, ch.base_url, ch.keys[0] if ch.keys else "")


async def fetch_models(request: web.Request) -> web.Response:
    """Root: {base_url, type, key} → the provider's model ids (the first key line is used)."""
    body = await read_json(request)
    if not isinstance(body, dict):
        raise BadRequestError("request body must be a JSON object")
    try:
        type_ = int_field(body, "type", low=0) or 1
        key, base = str_field(body, "key") or "", str_field(body, "base_url") or ""
    except ApiError as e:
        raise BadRequestError(e.message) from None
    return await _models(request, type_, base, key)


# ---- balance -----------------------------------------------------------------------------------
async def _update_balance(app: Any, ch: ChannelEntry) -> float:
    if ch.multi_key:
        raise upstream_info.UpstreamInfoError("balance query is not supported for multi-key")
    now = app[CLOCK]()
    key = ch.keys[0] if ch.keys else ""
    balance = await upstream_info.fetch_balance(app[HTTP], ch.type, ch.base_url, key, now)
    await channels_repo.set_balance(app[MAIN_DB], ch.id, balance, int(now))
    return balance


async def update_channel_balance(request: web.Request) -> web.Response:
    ch = _channel(request)
    try:
        balance = await _update_balance(request.config_dict, ch)
    except upstream_info.UpstreamInfoError as e:
        return json_response({"success": False, "message": str(e), "balance": 0})
    return json_response({"success": True, "message": "", "balance": balance})


async def update_all_balances(request: web.Request) -> web.Response:
    """Every enabled single-key channel of a supported type; a balance ≤ 0 disables it."""
    app = request.config_dict
    for ch in list(app[RELAY].channels.values()):
        if ch.status != ENABLED or ch.multi_key or ch.type not in upstream_info.BALANCE_TYPES:
            continue
        try:
            balance = await _update_balance(app, ch)
        except upstream_info.UpstreamInfoError as e:
            log.info("balance of channel %s: %s", ch.id, e)
            continue
        if balance <= 0:
            await _set_status(app, ch, AUTO, "balance_exhausted")
    return ok()


def routes(r: Routes) -> None:
    r.add("GET", "/channel/test", test_all_channels, ADMIN)
    r.add("GET", "/channel/test/{id}", test_channel, ADMIN)
    r.add("GET", "/channel/fetch_models/{id}", fetch_channel_models, ADMIN)
    r.add("POST", "/channel/fetch_models", fetch_models, ROOT)
    r.add("GET", "/channel/update_balance", update_all_balances, ADMIN)
    r.add("GET", "/channel/update_balance/{id}", update_channel_balance, ADMIN)
