"""create_app(config): the one way to build the application. The only module that knows every
part: middlewares, cleanup contexts (databases, options, HTTP client), sub-apps, static SPA."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator, Callable
from functools import partial

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler

from clawrouter.api import (
    account,
    apidoc,
    channels,
    emails,
    groups,
    logs,
    models_meta,
    oauth,
    options,
    passkeys,
    pricing,
    profile,
    ratios,
    redemptions,
    signup,
    stats,
    system,
    tasks,
    tokens,
    topups,
    twofa,
    usage,
    users,
    vendors,
    verify,
)
from clawrouter.api.routing import Routes
from clawrouter.auth.middleware import session_middleware
from clawrouter.auth.sessions import SessionCodec, load_or_create_secret
from clawrouter.changes.change import Change, ChangeFeed
from clawrouter.changes.open import open_feed
from clawrouter.claims import open_claims
from clawrouter.config import Config
from clawrouter.db.stores import open_stores
from clawrouter.http import health
from clawrouter.http.cors import Cors
from clawrouter.http.limits import api_limit
from clawrouter.http.middlewares import edge
from clawrouter.http.outbound import OutboundClient
from clawrouter.http.outbound_guard import FetchPolicy
from clawrouter.http.ratelimit import open_limiters
from clawrouter.http.static import add_spa_routes
from clawrouter.http.upstream_client import UpstreamClient
from clawrouter.jobs.channel_tests import BackgroundRun
from clawrouter.jobs.outbox import Outbox
from clawrouter.jobs.task_poller import task_poller
from clawrouter.jobs.usage_writer import UsageWriter
from clawrouter.keys import (
    CHANGES,
    CHANNEL_TESTS,
    CLAIMS,
    CLOCK,
    CONFIG,
    DRAINING,
    HTTP,
    LIMITERS,
    LOG_DB,
    MAIN_DB,
    METRICS,
    OPTIONS,
    OUTBOUND,
    OUTBOX,
    REALTIME_SESSIONS,
    REDIS,
    RELAY,
    SESSIONS,
    STARTED_AT,
    UPSTREAM,
    WORKER,
    WRITER,
)
from clawrouter.logs import ServerLog
from clawrouter.metrics import Metrics, multiprocess_dir
from clawrouter.notify.notifier import quota_notices
from clawrouter.options.store import Options
from clawrouter.redis_link import open_link
from clawrouter.relay import playground
from clawrouter.relay import routes as relay_routes
from clawrouter.relay.ledger import open_ledger
from clawrouter.relay.realtime import routes as realtime
from clawrouter.relay.state import RelayState
from clawrouter.worker import HEADER as WORKER_HEADER
from clawrouter.worker import Worker

log = logging.getLogger(__name__)

API_MODULES = (
    system,
    account,
    options,
    channels,
    tokens,
    logs,
    users,
    profile,
    redemptions,
    topups,
    stats,
    tasks,
    groups,
    ratios,
    models_meta,
    vendors,
    pricing,
    apidoc,
    usage,
    oauth,
    twofa,
    verify,
    signup,
    emails,
    passkeys,
)


async def _stores(app: web.Application) -> AsyncIterator[None]:
    cfg = app[CONFIG]
    main, logs, _ = await open_stores(cfg)
    app[MAIN_DB], app[LOG_DB] = main, logs
    secret = load_or_create_secret(cfg.data_dir, cfg.security.session_secret)
    app[SESSIONS] = SessionCodec(secret, cfg.security.session_days * 86400)
    opts = Options(main)
    await opts.load()
    app[OPTIONS] = opts
    app[CLAIMS] = claims = open_claims(cfg, main, app[CLOCK], app.get(REDIS))
    try:
        yield
    finally:
        await claims.close()
        await logs.close()
        await main.close()


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    cfg = app[CONFIG].relay
    connector = aiohttp.TCPConnector(limit=cfg.max_connections, ttl_dns_cache=300)
    timeout = aiohttp.ClientTimeout(sock_connect=cfg.connect_timeout_seconds)
    # No cookie jar: an upstream's cookies must not follow one caller's request into the next
    # (new-api's Go client keeps none), and the jar's filter/update cost every call.
    session = aiohttp.ClientSession(
        connector=connector, timeout=timeout, auto_decompress=True,
        cookie_jar=aiohttp.DummyCookieJar(),
    )  # fmt: skip
    app[HTTP] = session
    lean = None
    if cfg.upstream_client == "lean":  # relay.upstream.send decides which client sends a call
        # aiohttp's keepalive_timeout (15 s) and ttl_dns_cache (300 s), the same limit
        app[UPSTREAM] = lean = UpstreamClient(cfg.max_connections, idle_timeout=15.0, dns_ttl=300)
    opts = app[OPTIONS]
    app[OUTBOUND] = guarded = OutboundClient(
        lambda: FetchPolicy.from_options(opts), aiohttp.DefaultResolver()
    )
    try:
        yield
    finally:
        await guarded.close()
        if lean is not None:
            await lean.close()
        await session.close()


async def _sync(state: RelayState, interval: float) -> None:
    """The safety net under the change feed: a full resync now and then picks up what no feed
    carried (the CLI, a change published while Redis was unreachable)."""
    while True:
        await asyncio.sleep(interval)
        try:
            await state.apply(Change("all"))
        except Exception:
            log.exception("periodic reload failed")


async def _relay(app: web.Application) -> AsyncIterator[None]:
    cfg = app[CONFIG].relay
    writer = UsageWriter(app[MAIN_DB], app[LOG_DB], interval=cfg.log_flush_interval_seconds)
    state = RelayState(app[MAIN_DB], app[OPTIONS], writer, app[CLOCK])
    await state.load_all()
    # shared through Redis when redis.url is set
    state.ledger = open_ledger(app[CONFIG], state, app.get(REDIS))
    await state.ledger.start()
    app[WRITER], app[RELAY] = writer, state
    feed = open_feed(app[CONFIG], app[MAIN_DB], app.get(REDIS))
    feed.subscribe(state.apply)
    await feed.start()
    app[CHANGES] = state.feed = feed
    if app[CONFIG].feed_kind == "sql":  # no shared ledger: tell the others whose balance moved
        writer.on_balances = partial(_balances_moved, feed)
    if app[CONFIG].metrics.enabled:
        metrics = app[METRICS]
        writer.on_flush = metrics.observe_flush
        metrics.watch(lambda: state.channels, writer.backlog)
    tasks = [
        asyncio.create_task(writer.run(), name="usage-writer"),
        asyncio.create_task(_sync(state, cfg.sync_interval_seconds), name="relay-sync"),
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await writer.close()  # its last background writes may still publish
        await state.ledger.close()
        await feed.close()


async def _balances_moved(feed: ChangeFeed, users: list[int], tokens: list[int]) -> None:
    """After a flush: the other processes re-read these wallets and keys (docs/scaling.md)."""
    if users:
        await feed.publish(Change("user", users), here=False)
    if tokens:
        await feed.publish(Change("token", tokens), here=False)


async def _stamp_worker(index: str, _request: web.Request, response: web.StreamResponse) -> None:
    response.headers[WORKER_HEADER] = index


async def _close_limiters(app: web.Application) -> None:
    await app[LIMITERS].close()


async def _close_redis(app: web.Application) -> None:
    await app[REDIS].close()  # last: the ledger, feed, claims and limits all used it


@web.middleware
async def complete_writes(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A client that hangs up cancels its request (runner.runner_options); a write it started
    still runs to the end, so the store, the relay's memory and the audit log stay in step."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return await handler(request)
    return await asyncio.shield(handler(request))


def build_api() -> web.Application:
    api = web.Application(middlewares=[api_limit, complete_writes, session_middleware])
    routes = Routes()
    for module in API_MODULES:
        module.routes(routes)
    routes.install(api)
    return api


async def _mark_draining(app: web.Application) -> None:
    app[DRAINING].set()  # runner.serve sets it on the signal already; tests stop here


def create_app(
    config: Config, *, clock: Callable[[], float] = time.time, worker: Worker | None = None
) -> web.Application:
    worker = worker or Worker()
    shared = multiprocess_dir(config.data_dir) if worker.count > 1 else None  # one per gateway
    metrics = Metrics(shared=shared) if config.metrics.enabled else None
    draining = asyncio.Event()
    middlewares = [edge(config, metrics, draining)]  # request id, errors, metrics, draining
    cors = Cors(config.cors) if Cors.enabled(config.cors) else None
    if cors is not None:
        middlewares.insert(0, cors.preflight)
    app = web.Application(
        middlewares=middlewares,
        client_max_size=config.max_body_bytes,
        handler_args={"logger": ServerLog()},  # HTTP-parser 400s: one line, no traceback
    )
    app[CONFIG] = config
    app[DRAINING] = draining
    app[WORKER] = worker
    if worker.count > 1:
        app.on_response_prepare.append(partial(_stamp_worker, str(worker.index)))
    if metrics is not None:
        app[METRICS] = metrics
    if cors is not None:
        app.on_response_prepare.append(cors.on_prepare)
    app.on_shutdown.append(_mark_draining)
    app[CLOCK] = clock
    app[STARTED_AT] = int(clock())
    link = open_link(config.redis)  # the process's Redis client when redis.url is set
    app[LIMITERS] = open_limiters(config, clock, worker.count, link)  # a share of each per worker
    app.on_cleanup.append(_close_limiters)
    if link is not None:
        app[REDIS] = link
        app.on_cleanup.append(_close_redis)
    app.cleanup_ctx.append(_stores)
    app.cleanup_ctx.append(_http_client)
    app.cleanup_ctx.append(_relay)
    app.cleanup_ctx.append(task_poller)
    app.cleanup_ctx.append(quota_notices)  # after the relay state: its low-quota notices
    app[CHANNEL_TESTS] = tests_run = BackgroundRun("channel-tests")
    app.on_shutdown.append(tests_run.shutdown)
    app[OUTBOX] = outbox = Outbox()
    app.on_shutdown.append(outbox.close)
    app[REALTIME_SESSIONS] = weakref.WeakSet()
    app.on_shutdown.append(realtime.close_sessions)
    app.add_subapp("/api", build_api())
    relay_routes.add_routes(app)
    playground.add_routes(app)
    health.add_routes(app)
    add_spa_routes(app, config.server.static_dir)
    return app
