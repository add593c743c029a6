"""GET /api/openapi.json (public): the OpenAPI document of the running application."""

from __future__ import annotations

from aiohttp import web

from clawrouter.api.routing import Routes
from clawrouter.auth.roles import PUBLIC
from clawrouter.http.render import JSON
from clawrouter.openapi import build_document, render


async def get_openapi(request: web.Request) -> web.Response:
    root = request.match_info.apps[0]
    return web.Response(body=render(build_document(root)), content_type=JSON)


def routes(r: Routes) -> None:
    r.add("GET", "/openapi.json", get_openapi, PUBLIC)
