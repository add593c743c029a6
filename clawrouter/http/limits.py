"""The named rate limits applied to requests: the /api middleware, the web pages' wrapper and the
per-route check behind `Routes.add(..., limit=...)`. A refused request is a 429 with Retry-After,
rendered by the error middleware in the caller's shape (the /api envelope, or the relay's)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from clawrouter.errors import RateLimitedError
from clawrouter.http.request import client_ip
from clawrouter.keys import CALLER, CONFIG, LIMITED, LIMITERS


def _key(request: web.Request, per: str) -> str:
    if per == "user":
        caller = request.get(CALLER)
        if caller is not None:
            return f"user:{caller['id']}"
    cfg = request.config_dict[CONFIG]
    return "ip:" + client_ip(request, cfg.server.trust_forwarded_for)


async def check(request: web.Request, name: str) -> None:
    """Count this request against the limiter `name` (once per request, however often it is
    called); raise a 429 when it is over. A per-user limiter counts the authenticated caller."""
    done = request.get(LIMITED)
    if done is None:
        done = request[LIMITED] = set()
    elif name in done:
        return
    done.add(name)
    limiter = request.config_dict[LIMITERS].named(name)
    wait = await limiter.acquire(_key(request, limiter.per))
    if wait is not None:
        raise RateLimitedError(
            f"too many requests, please retry in {wait} seconds", retry_after=wait
        )


@web.middleware
async def api_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The global /api limit, per IP, before anything else runs."""
    await check(request, "api")
    return await handler(request)


def web_limited(handler: Handler) -> Handler:
    """`handler` behind the global web limit (per IP): the web pages and the not-found answers
    for paths no route serves."""

    async def limited(request: web.Request) -> web.StreamResponse:
        await check(request, "web")
        return await handler(request)

    limited.__name__ = getattr(handler, "__name__", "limited")
    limited.__doc__ = handler.__doc__
    return limited
