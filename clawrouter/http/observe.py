"""Per-request observation at the edge: the Prometheus counters and histograms for every
answer (route template, method, status, and for the relay its model and channel), the access
log's fields, and `Connection: close` while draining so keep-alive clients move elsewhere."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import web

from clawrouter.keys import CALLER, JOB
from clawrouter.logs import AccessLogger
from clawrouter.metrics import Metrics

# Any other method (aiohttp accepts any token) is counted as "other": labels stay bounded.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
CLIENT_GONE = 499  # the client hung up before its answer ended (nginx's code)


def route_label(request: web.Request) -> str:
    """The matched route's template (/api/channel/{id}), never the raw path."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def observer(metrics: Metrics | None, draining: asyncio.Event):
    """The outermost middleware: it sees the final status of every request (errors are
    rendered by request_context inside it)."""

    @web.middleware
    async def observe(request: web.Request, handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            if draining.is_set() and not response.prepared:
                response.force_close()
            return response
        except asyncio.CancelledError:
            status = CLIENT_GONE
            raise
        except web.HTTPException as exc:  # redirects pass through request_context
            status = exc.status
            raise
        finally:
            if metrics is not None:
                method = request.method if request.method in METHODS else "other"
                seconds = time.perf_counter() - started
                metrics.observe(route_label(request), method, status, seconds, request.get(JOB))

    return observe


class FieldsAccessLogger(AccessLogger):
    """The access log with who and what: user and API key ids, model and channel."""

    def fields(self, request: web.BaseRequest) -> dict[str, Any]:
        job: Any = request.get(JOB)  # type: ignore[call-overload]
        if job is not None:
            token_id = job.caller.token.id
            return {
                "user_id": job.caller.user.id,
                "token_id": token_id or None,  # 0: the playground's session, no stored key
                "model": job.model,
                "channel": job.channel.id if job.channel is not None else None,
            }
        caller = request.get(CALLER)  # type: ignore[call-overload]
        return {
            "user_id": caller["id"] if caller else None,
            "token_id": None,
            "model": None,
            "channel": None,
        }
