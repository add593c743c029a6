"""OAuth sign-in (reference §2.8): GET /api/oauth/state, and the generic callback
GET /api/oauth/{provider} for GitHub, Discord, OIDC and LinuxDO, which logs in, registers on a
first sign-in, or binds to the logged-in user. WeChat and Telegram live in oauth_wechat and
oauth_telegram; their routes are installed here, before the generic one."""

from __future__ import annotations

import hmac
import secrets
import string

from aiohttp import web

from clawrouter.api import oauth_telegram, oauth_wechat
from clawrouter.api.oauth_accounts import (
    Binding,
    bind,
    failed,
    http_client,
    session_user,
    sign_in,
    timeout_seconds,
)
from clawrouter.api.routing import Routes
from clawrouter.auth.oauth_http import identify
from clawrouter.auth.oauth_providers import PROVIDERS, OAuthFailure, Provider
from clawrouter.auth.roles import COMMON, PUBLIC
from clawrouter.claims import digest
from clawrouter.errors import ApiError, BadRequestError, ForbiddenError
from clawrouter.http.render import ok
from clawrouter.keys import CLAIMS, CONFIG, OPTIONS, SESSION

STATE_LENGTH = 12
STATE_ALPHABET = string.ascii_letters + string.digits
MAX_AFF_LENGTH = 64


async def get_state(request: web.Request) -> web.Response:
    """Start an OAuth sign-in: a 12-character state kept in the session (with ?aff=)."""
    state = "".join(secrets.choice(STATE_ALPHABET) for _ in range(STATE_LENGTH))
    aff = request.query.get("aff", "").strip()[:MAX_AFF_LENGTH]
    request[SESSION].set(oauth_state=state, **({"aff": aff} if aff else {}))
    return ok(state)


def server_address(request: web.Request) -> str:
    """Where the console lives: the ServerAddress option, else this request's origin."""
    configured = str(request.config_dict[OPTIONS]["ServerAddress"]).strip().rstrip("/")
    return configured or f"{request.scheme}://{request.host}"


def _check_state(request: web.Request) -> None:
    given = request.query.get("state", "")
    expected = request[SESSION].get("oauth_state")
    if not given or not isinstance(expected, str) or not expected:
        raise ForbiddenError("the OAuth state is missing or has expired: start the sign-in again")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise ForbiddenError("the OAuth state does not match: start the sign-in again")


async def _spend_state(request: web.Request) -> None:
    """A state sends one code to the provider: a replayed callback (an older cookie, another
    worker or instance) is refused (clawrouter/claims.py). The provider's ?error= answers
    leave it usable, as the reference does."""
    app = request.config_dict
    lifetime = app[CONFIG].security.session_days * 86400  # as long as the cookie holding it
    if not await app[CLAIMS].claim("oauth_state:" + digest(request.query["state"]), lifetime):
        raise ForbiddenError("this OAuth state was used already: start the sign-in again")


def _provider_refusal(request: web.Request, provider: Provider) -> None:
    """The provider sent the user back with ?error= (the user said no, say)."""
    error = request.query.get("error", "").strip()
    if error:
        detail = request.query.get("error_description", "").strip()
        raise ApiError(
            (detail or f"{provider.name} did not authorize the sign-in ({error})")[:300],
            code="oauth_refused",
        )


async def oauth_callback(request: web.Request) -> web.Response:
    """OAuth callback for GitHub, Discord, OIDC and LinuxDO (?code&state)."""
    provider = PROVIDERS.get(request.match_info["provider"])
    if provider is None:
        raise BadRequestError("unknown OAuth provider: use github, discord, oidc or linuxdo")
    _check_state(request)
    app = request.config_dict
    if not provider.enabled(app[OPTIONS]):
        raise ApiError(f"sign-in with {provider.name} is not enabled by the administrator")
    _provider_refusal(request, provider)
    code = request.query.get("code", "").strip()
    if not code:
        raise ApiError(f"{provider.name} sent no authorization code")
    await _spend_state(request)
    settings = provider.settings(app[CONFIG].providers, app[OPTIONS], server_address(request))
    try:
        who = await identify(
            http_client(request), provider, code, settings, timeout_seconds(request)
        )
    except OAuthFailure as e:
        raise failed(provider.name, e) from None
    binding = Binding(provider.name, provider.column, provider.prefix)
    user = await session_user(request)
    if user is not None:
        await bind(request, user, binding, who.id)
        request[SESSION].drop("oauth_state")
        return ok({"action": "bind"}, message=f"{provider.name} account bound")
    return await sign_in(request, binding, who)


def routes(r: Routes) -> None:
    """Every route behind the critical rate limit, as the reference's."""
    r.add("GET", "/oauth/state", get_state, PUBLIC, limit="critical")
    r.add("GET", "/oauth/wechat", oauth_wechat.wechat_login, PUBLIC, limit="critical")
    r.add("GET", "/oauth/wechat/bind", oauth_wechat.wechat_bind, COMMON, limit="critical")
    r.add("POST", "/oauth/wechat/bind", oauth_wechat.wechat_bind, COMMON, limit="critical")
    r.add("GET", "/oauth/telegram/login", oauth_telegram.telegram_login, PUBLIC, limit="critical")
    r.add("GET", "/oauth/telegram/bind", oauth_telegram.telegram_bind, PUBLIC, limit="critical")
    r.add("GET", "/oauth/{provider}", oauth_callback, PUBLIC, limit="critical")
