"""GET /api/openapi.json (public): the OpenAPI document of the running application, built on
the first request (the routes are fixed once the app serves) and kept, compact, for the app's
lifetime: building it costs tens of milliseconds."""

from __future__ import annotations

import orjson
from aiohttp import web

from clawrouter.api.routing import Routes
from clawrouter.auth.roles import PUBLIC
from clawrouter.http.render import JSON
from clawrouter.openapi import build_document


def routes(r: Routes) -> None:
    built: dict[str, bytes] = {}  # this app's document, once built (per app, not per module)

    async def get_openapi(request: web.Request) -> web.Response:
        if "body" not in built:
            built["body"] = orjson.dumps(build_document(request.match_info.apps[0]))
        return web.Response(body=built["body"], content_type=JSON)

    r.add("GET", "/openapi.json", get_openapi, PUBLIC)
