"""Operational endpoints on the root app: GET /healthz (the process answers), GET /readyz (the
stores answer, the write-behind writer runs, the gateway is not draining) and GET /metrics
(Prometheus, behind metrics.token when set). Small JSON answers; never rate limited."""

from __future__ import annotations

import asyncio
import hmac
import time

import orjson
from aiohttp import web

from clawrouter.errors import NotFoundError, UnauthorizedError
from clawrouter.http.request import bearer
from clawrouter.keys import CONFIG, DRAINING, LOG_DB, MAIN_DB, METRICS, WRITER

PING_TIMEOUT = 2.0  # seconds a store may take to answer SELECT 1 before it counts as down
WRITER_STALL_SECONDS = 30.0  # a writer loop silent longer than this (and 10 intervals) is stuck


def _json(doc: dict, status: int = 200) -> web.Response:
    return web.Response(
        body=orjson.dumps(doc),
        status=status,
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


async def healthz(request: web.Request) -> web.Response:
    """Alive: the event loop runs and answers. Stays 200 while draining (the process is fine)."""
    return _json({"status": "ok"})


async def _ping(store) -> str:
    try:
        async with asyncio.timeout(PING_TIMEOUT):
            return "ok" if await store.ping() else "unreachable"
    except TimeoutError:
        return "timeout"


def _writer_state(app: web.Application) -> str:
    writer = app.get(WRITER)
    if writer is None:
        return "not_started"
    stall = max(WRITER_STALL_SECONDS, 10 * writer.interval)
    return "ok" if time.monotonic() - writer.beat < stall else "stalled"


async def readyz(request: web.Request) -> web.Response:
    """Ready for traffic: 200 when every check is "ok", else 503 naming the failing ones."""
    app = request.app
    draining = app[DRAINING].is_set()
    main, logs = await asyncio.gather(_ping(app[MAIN_DB]), _ping(app[LOG_DB]))
    checks = {"store": main, "log_store": logs, "writer": _writer_state(app)}
    checks["draining"] = "draining" if draining else "ok"
    ready = all(v == "ok" for v in checks.values())
    status = "ready" if ready else ("draining" if draining else "not_ready")
    return _json({"status": status, "checks": checks}, 200 if ready else 503)


async def metrics(request: web.Request) -> web.Response:
    cfg = request.app[CONFIG].metrics
    if not cfg.enabled:
        raise NotFoundError(f"Invalid URL ({request.method} {request.path})")
    if cfg.token:
        given = bearer(request.headers.get("Authorization", ""))
        if not hmac.compare_digest(given.encode(), cfg.token.encode()):
            raise UnauthorizedError(
                "metrics need Authorization: Bearer <metrics.token>", code="invalid_metrics_token"
            )
    body, content_type = request.app[METRICS].exposition(request.headers.get("Accept", ""))
    # content_type carries parameters (version, charset): set the header as is
    return web.Response(
        body=body, headers={"Content-Type": content_type, "Cache-Control": "no-store"}
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
