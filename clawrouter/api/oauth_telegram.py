"""Telegram sign-in with the login widget: GET /api/oauth/telegram/login?<widget fields> logs
in the user bound to that Telegram id (no registration, as the reference);
GET /api/oauth/telegram/bind?<widget fields> binds it to the logged-in user and redirects the
browser to /console/personal. The fields are checked by auth.oauth_telegram, and one set of
them signs in (or binds) once, on every worker and instance (clawrouter/claims.py): login data
seen in a log or a browser history cannot be replayed while it is fresh."""

from __future__ import annotations

from aiohttp import web

from clawrouter.api.oauth_accounts import Binding, bind, failed, session_user, sign_in
from clawrouter.auth.oauth_providers import OAuthFailure, ProviderUser
from clawrouter.auth.oauth_telegram import FUTURE_SKEW_SECONDS, MAX_AGE_SECONDS, telegram_id
from clawrouter.claims import digest
from clawrouter.errors import ApiError
from clawrouter.keys import CLAIMS, CLOCK, OPTIONS

TELEGRAM = Binding("Telegram", "telegram_id", "telegram_")
AFTER_BIND = "/console/personal"


async def _telegram_id(request: web.Request, purpose: str) -> str:
    app = request.config_dict
    options = app[OPTIONS]
    if not options["TelegramOAuthEnabled"]:
        raise ApiError("sign-in with Telegram is not enabled by the administrator")
    fields = {key: request.query.getone(key) for key in set(request.query.keys())}
    try:
        tid = telegram_id(fields, options["TelegramBotToken"], int(app[CLOCK]()))
    except OAuthFailure as e:
        raise failed(TELEGRAM.name, e) from None
    spent = "telegram:" + digest(purpose, fields.get("hash", ""))
    if not await app[CLAIMS].claim(spent, MAX_AGE_SECONDS + FUTURE_SKEW_SECONDS):
        raise ApiError(f"this Telegram login was used to {purpose} already: use the widget again")
    return tid


async def telegram_login(request: web.Request) -> web.Response:
    """Telegram login (login widget fields); only for a user who bound Telegram before."""
    tid = await _telegram_id(request, "sign in")
    return await sign_in(request, TELEGRAM, ProviderUser(tid), register=False)


async def telegram_bind(request: web.Request) -> web.Response:
    """Bind Telegram to the logged-in user (login widget fields), then 302 to the console."""
    tid = await _telegram_id(request, "bind")
    user = await session_user(request)
    if user is None:
        raise ApiError("log in first, then bind Telegram from your personal settings")
    await bind(request, user, TELEGRAM, tid)
    return web.Response(status=302, headers={"Location": AFTER_BIND})
