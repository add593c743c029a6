"""Route registration with an access level per route (the role matrix is read from here)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from clawrouter.auth.middleware import authenticate
from clawrouter.auth.roles import PUBLIC

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LEVEL_ATTR = "__clawrouter_level__"


def guarded(handler: Handler, level: int) -> Handler:
    if level == PUBLIC:
        setattr(handler, LEVEL_ATTR, level)
        return handler

    async def wrapper(request: web.Request) -> web.StreamResponse:
        await authenticate(request, level)
        return await handler(request)

    wrapper.__name__ = handler.__name__
    wrapper.__doc__ = handler.__doc__
    setattr(wrapper, LEVEL_ATTR, level)
    return wrapper


class Routes:
    """Collects (method, path, handler, level) and installs them on an application."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, Handler, int]] = []

    def add(self, method: str, path: str, handler: Handler, level: int) -> None:
        self.entries.append((method, path, handler, level))

    def install(self, app: web.Application) -> None:
        for method, path, handler, level in self.entries:
            app.router.add_route(method, path, guarded(handler, level))


def level_of(handler: object) -> int | None:
    return getattr(handler, LEVEL_ATTR, None)
