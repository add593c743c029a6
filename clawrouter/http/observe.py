"""Per-request observation at the edge: the labels of every answer's metrics (route template,
method; http/middlewares.edge observes them with the final status, and for the relay its
model and channel) and the access log's fields."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from clawrouter.keys import CALLER, JOB
from clawrouter.logs import AccessLogger

# Any other method (aiohttp accepts any token) is counted as "other": labels stay bounded.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
CLIENT_GONE = 499  # the client hung up before its answer ended (nginx's code)


def route_label(request: web.Request) -> str:
    """The matched route's template (/api/channel/{id}), never the raw path."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


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
