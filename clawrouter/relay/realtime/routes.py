"""The Realtime API relay: GET /v1/realtime?model= upgraded to a WebSocket.

The key comes from `Authorization` or the `openai-insecure-api-key.<key>` subprotocol (browsers;
relay.keyauth). Routing, model limits and pricing are the text relay's (relay.pipeline); the
channel is chosen and the upstream WebSocket opened BEFORE the client's handshake is answered,
so an upstream that refuses (or cannot be reached) fails over to the next channel like any
request, and when none is left the client gets a plain HTTP error in OpenAI's shape. Once both
sides are open, relay.realtime.session pumps frames both ways and bills each turn.
"""

from __future__ import annotations

import asyncio
import time
import weakref

import aiohttp
from aiohttp import web

from clawrouter.config import RelayConfig
from clawrouter.errors import BadRequestError
from clawrouter.keys import REALTIME_SESSIONS
from clawrouter.relay import overrides
from clawrouter.relay.attempt import channel_view, key_and_model
from clawrouter.relay.entries import ChannelEntry
from clawrouter.relay.job import Job
from clawrouter.relay.pipeline import run_job, start_job
from clawrouter.relay.providers import base
from clawrouter.relay.providers.registry import adapter_for
from clawrouter.relay.realtime.session import MAX_MESSAGE, RealtimeSession
from clawrouter.relay.state import RelayState
from clawrouter.relay.upstream import network_problem
from clawrouter.wire.formats import Endpoint, Format

_BETA_PROTOCOL = "openai-beta.realtime-v1"  # browsers' way of asking for the beta interface
UPSTREAM_HEARTBEAT = 30.0  # seconds between pings to the upstream (a dead peer is noticed)


def _client_protocols(request: web.Request) -> tuple[str, ...]:
    """The subprotocol to answer with: `realtime` when offered (browsers insist on one)."""
    offered = request.headers.get("Sec-WebSocket-Protocol", "")
    names = {p.strip() for p in offered.split(",")}
    return ("realtime",) if "realtime" in names else ()


def _beta_header(request: web.Request) -> str:
    """The client's OpenAI-Beta choice, passed on: the beta and GA interfaces differ, so the
    upstream must speak the one the client asked for (none: GA)."""
    beta = request.headers.get("OpenAI-Beta", "")
    if not beta and _BETA_PROTOCOL in request.headers.get("Sec-WebSocket-Protocol", ""):
        beta = "realtime=v1"
    return beta


def _prepare(job: Job, ch: ChannelEntry, state: RelayState, request: web.Request):
    key = key_and_model(state, job, ch)
    adapter = adapter_for(ch.type)
    if not isinstance(adapter, base.RealtimeCapable):
        raise base.UpstreamError(
            400, "this channel cannot serve realtime sessions",
            type="invalid_request_error", code="channel:unsupported_endpoint", local=True,
        )  # fmt: skip
    call = adapter.realtime_call(job.upstream_model, channel_view(ch, key))
    beta = _beta_header(request)
    if beta:
        call.headers["OpenAI-Beta"] = beta
    overrides.apply_header_override(ch.header_override, call.headers, request.headers, key)
    return call


async def _connect(
    http: aiohttp.ClientSession, call: base.UpstreamCall, cfg: RelayConfig
) -> aiohttp.ClientWebSocketResponse:
    """Open the upstream WebSocket; refusals and network failures become UpstreamError."""
    try:
        async with asyncio.timeout(cfg.connect_timeout_seconds + cfg.first_byte_timeout_seconds):
            return await http.ws_connect(
                call.url,
                headers=call.headers,
                max_msg_size=MAX_MESSAGE,
                heartbeat=UPSTREAM_HEARTBEAT,
                autoping=True,
                compress=0,
            )
    except aiohttp.WSServerHandshakeError as e:
        code = "upstream_error" if e.status >= 500 else "realtime_handshake_refused"
        raise base.UpstreamError(
            e.status if e.status >= 400 else 502,
            f"the upstream refused the realtime session ({e.status} {e.message})",
            code=code,
        ) from None
    except TimeoutError:
        raise base.UpstreamError(
            504, "upstream timed out", code="upstream_timeout", local=True
        ) from None
    except aiohttp.ClientError as e:
        raise base.UpstreamError(
            502,
            f"upstream request failed: {network_problem(e)} ({type(e).__name__})",
            code="do_request_failed",
            local=True,
        ) from None


async def _session(
    request: web.Request,
    state: RelayState,
    job: Job,
    ch: ChannelEntry,
    http: aiohttp.ClientSession,
    cfg: RelayConfig,
) -> web.StreamResponse:
    """One attempt (pipeline.run_job): the upstream first, then the client's handshake."""
    job.channel = ch
    upstream = await _connect(http, _prepare(job, ch, state, request), cfg)
    client = web.WebSocketResponse(
        protocols=_client_protocols(request), max_msg_size=MAX_MESSAGE, compress=False
    )
    try:
        await client.prepare(request)
    except BaseException:
        await upstream.close()
        raise
    job.started_response = True
    job.frt_ms = int((time.perf_counter() - job.started) * 1000)
    sessions: weakref.WeakSet[web.WebSocketResponse] = request.app[REALTIME_SESSIONS]
    sessions.add(client)
    try:
        await RealtimeSession(state, job, client, upstream).run()
    finally:
        sessions.discard(client)
    return client


async def realtime(request: web.Request) -> web.StreamResponse:
    if not web.WebSocketResponse().can_prepare(request).ok:
        raise BadRequestError(
            "the Realtime API is a WebSocket: connect with an Upgrade: websocket handshake"
        )
    model = request.query.get("model", "")
    state, job = await start_job(
        request, Format.OPENAI, Endpoint.REALTIME, stream=True, body={"model": model}, reserve=False
    )
    return await run_job(request, state, job, attempt_fn=_session)


async def close_sessions(app: web.Application) -> None:
    """on_shutdown: tell every open Realtime client that the server is going away."""
    for client in list(app[REALTIME_SESSIONS]):
        await client.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"server shutting down")
