"""WeChat sign-in through a WeChat login server (new-api's wechat-server): the user reads a code
from the official account, the server turns it into their WeChat id. Login or register
(`wechat_<n>`) with GET /api/oauth/wechat?code=, bind with POST /api/oauth/wechat/bind {code}
or the older GET ?code=."""

from __future__ import annotations

from aiohttp import web

from clawrouter.api.oauth_accounts import (
    Binding,
    bind,
    failed,
    http_client,
    sign_in,
    timeout_seconds,
)
from clawrouter.auth.oauth_http import fetch_json
from clawrouter.auth.oauth_providers import OAuthFailure, ProviderUser, wechat_call, wechat_id
from clawrouter.errors import ApiError
from clawrouter.http.render import ok
from clawrouter.http.request import read_object
from clawrouter.keys import CALLER, OPTIONS

WECHAT = Binding("WeChat", "wechat_id", "wechat_")


async def _wechat_id(request: web.Request, code: object) -> str:
    options = request.config_dict[OPTIONS]
    if not options["WeChatAuthEnabled"]:
        raise ApiError("sign-in with WeChat is not enabled by the administrator")
    if not isinstance(code, str) or not code.strip():
        raise ApiError("the WeChat verification code is missing")
    call = wechat_call(options["WeChatServerAddress"], options["WeChatServerToken"], code.strip())
    try:
        answer = await fetch_json(
            http_client(request), call, "the WeChat server", timeout_seconds(request)
        )
        return wechat_id(answer)
    except OAuthFailure as e:
        raise failed(WECHAT.name, e) from None


async def wechat_login(request: web.Request) -> web.Response:
    """WeChat login (?code= shown by the official account); registers on a first sign-in."""
    wid = await _wechat_id(request, request.query.get("code", ""))
    return await sign_in(request, WECHAT, ProviderUser(wid, display_name="WeChat User"))


async def wechat_bind(request: web.Request) -> web.Response:
    """Bind WeChat to the caller (POST {code}; the older GET ?code=)."""
    if request.method == "POST":
        code = (await read_object(request, allow_empty=True)).get("code", "")
    else:
        code = request.query.get("code", "")
    wid = await _wechat_id(request, code)
    await bind(request, request[CALLER], WECHAT, wid)
    return ok()
