"""GET /api/usage/token/: the calling API key's own usage, for scripts holding only a key
(the reference's TokenAuthReadOnly: any status, expiry or balance; the user must be enabled)."""

from __future__ import annotations

from aiohttp import web

from clawrouter.api.routing import Routes
from clawrouter.auth.roles import PUBLIC
from clawrouter.http.render import json_response
from clawrouter.http.request import bearer
from clawrouter.keys import RELAY
from clawrouter.relay.keyauth import read_only_token


async def token_usage(request: web.Request) -> web.Response:
    raw = bearer(request.headers.get("Authorization", ""))
    token = read_only_token(request.config_dict[RELAY], raw)
    data = {
        "object": "token_usage",
        "name": token.name,
        "total_granted": token.remain_quota + token.used_quota,
        "total_used": token.used_quota,
        "total_available": token.remain_quota,
        "unlimited_quota": token.unlimited,
        "model_limits": dict.fromkeys(sorted(token.model_limits), True),
        "model_limits_enabled": token.model_limits_enabled,
        "expires_at": 0 if token.expired_time == -1 else token.expired_time,
    }
    body = {"code": True, "message": "ok", "data": data}
    return json_response(body, headers={"Access-Control-Allow-Origin": "*"})


def routes(r: Routes) -> None:
    r.add("GET", "/usage/token/", token_usage, PUBLIC, limit="critical")
