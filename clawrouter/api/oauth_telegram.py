"""Telegram sign-in with the login widget: GET /api/oauth/telegram/login?<widget fields> logs
in the user bound to that Telegram id (no registration, as the reference);
GET /api/oauth/telegram/bind?<widget fields> binds it to the logged-in user and redirects the
browser to /console/personal. The fields are checked by auth.oauth_telegram."""

from __future__ import annotations

from aiohttp import web

from clawrouter.api.oauth_accounts import Binding, bind, failed, session_user, sign_in
from clawrouter.auth.oauth_providers import OAuthFailure, ProviderUser
from clawrouter.auth.oauth_telegram import telegram_id
from clawrouter.errors import ApiError
from clawrouter.keys import CLOCK, OPTIONS

TELEGRAM = Binding("Telegram", "telegram_id", "telegram_")
AFTER_BIND = "/console/personal"


def _telegram_id(request: web.Request) -> str:
    app = request.config_dict
    options = app[OPTIONS]
    if not options["TelegramOAuthEnabled"]:
        raise ApiError("sign-in with Telegram is not enabled by the administrator")
    fields = {key: request.query.getone(key) for key in set(request.query.keys())}
    try:
        return telegram_id(fields, options["TelegramBotToken"], int(app[CLOCK]()))
    except OAuthFailure as e:
        raise failed(TELEGRAM.name, e) from None


async def telegram_login(request: web.Request) -> web.Response:
    """Telegram login (login widget fields); only for a user who bound Telegram before."""
    tid = _telegram_id(request)
    return await sign_in(request, TELEGRAM, ProviderUser(tid), register=False)


async def telegram_bind(request: web.Request) -> web.Response:
    """Bind Telegram to the logged-in user (login widget fields), then 302 to the console."""
    tid = _telegram_id(request)
    user = await session_user(request)
    if user is None:
        raise ApiError("log in first, then bind Telegram from your personal settings")
    await bind(request, user, TELEGRAM, tid)
    return web.Response(status=302, headers={"Location": AFTER_BIND})
