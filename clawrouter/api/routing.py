"""Route registration with an access level per route (the role matrix is read from here).

Every route answers with and without a trailing slash, served directly (no redirect: some
clients drop a POST body on one): new-api's console calls `/api/channel` and
`DELETE /api/token/{id}/` alike. Each entry is declared once, in its canonical form; `install`
adds the other form as an alias with the same guarded handler, unless that form is declared
itself (`GET /api/models` and `GET /api/models/` are different routes).

A route may declare a rate limit by name (`limit="critical"`, see http/ratelimit.ROUTE_LIMITS):
the wrapper counts it after the level check, so a per-user limit counts the authenticated caller
and a refused caller is never counted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute

from clawrouter.auth.middleware import authenticate
from clawrouter.auth.roles import PUBLIC
from clawrouter.http import limits
from clawrouter.http.ratelimit import ROUTE_LIMITS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LEVEL_ATTR = "__clawrouter_level__"
PATH_ATTR = "__clawrouter_path__"
LIMIT_ATTR = "__clawrouter_limit__"


def guarded(handler: Handler, level: int, path: str, limit: str | None = None) -> Handler:
    """A per-entry wrapper that checks the caller's level, then counts the route's rate limit,
    and remembers the declared path and limit."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        if level != PUBLIC:
            await authenticate(request, level)
        if limit is not None:
            await limits.check(request, limit)
        return await handler(request)

    wrapper.__name__ = handler.__name__
    wrapper.__doc__ = handler.__doc__
    setattr(wrapper, LEVEL_ATTR, level)
    setattr(wrapper, PATH_ATTR, path)
    setattr(wrapper, LIMIT_ATTR, limit)
    return wrapper


def other_form(path: str) -> str | None:
    """The path with its trailing slash toggled (None for the root path)."""
    if path in ("", "/"):
        return None
    return path[:-1] if path.endswith("/") else path + "/"


class Routes:
    """Collects (method, path, handler, level) and installs them on an application."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, Handler, int]] = []
        self.limits: dict[tuple[str, str], str] = {}

    def add(
        self, method: str, path: str, handler: Handler, level: int, *, limit: str | None = None
    ) -> None:
        """Declare a route; `limit` names the rate limit it sits behind (critical, search,
        email_verification)."""
        if limit is not None:
            if limit not in ROUTE_LIMITS:
                raise ValueError(f"{method} {path}: unknown rate limit {limit!r}")
            if ROUTE_LIMITS[limit] == "user" and level == PUBLIC:
                raise ValueError(f"{method} {path}: the {limit} limit counts users, not IPs")
            self.limits[(method, path)] = limit
        self.entries.append((method, path, handler, level))

    def install(self, app: web.Application) -> None:
        declared = {(method, path) for method, path, _, _ in self.entries}
        aliases: list[tuple[str, str, Handler]] = []
        for method, path, handler, level in self.entries:
            wrapper = guarded(handler, level, path, self.limits.get((method, path)))
            app.router.add_route(method, path, wrapper)
            alias = other_form(path)
            if alias is not None and (method, alias) not in declared:
                aliases.append((method, alias, wrapper))
        for method, alias, wrapper in aliases:
            app.router.add_route(method, alias, wrapper)


def level_of(handler: object) -> int | None:
    return getattr(handler, LEVEL_ATTR, None)


def limit_of(handler: object) -> str | None:
    """The rate limit a route declared (None: only the global /api limit)."""
    return getattr(handler, LIMIT_ATTR, None)


def is_alias(route: AbstractRoute) -> bool:
    """True for the trailing-slash twin `install` added next to a declared route."""
    declared = getattr(route.handler, PATH_ATTR, None)
    if declared is None or route.resource is None:
        return False
    return route.resource.canonical.endswith("/") != declared.endswith("/")
