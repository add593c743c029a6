"""Cloudflare Turnstile on login, registration, verification mails and password reset: with
TurnstileCheckEnabled those calls carry `?turnstile=<token>`, checked with Cloudflare's
siteverify (providers.turnstile_verify_url). A success is remembered in the session, so later
calls of the same session skip the check, as the reference does."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from clawrouter.errors import ApiError
from clawrouter.http.request import client_ip
from clawrouter.keys import CONFIG, HTTP, OPTIONS, SESSION

SESSION_KEY = "turnstile"
MAX_TOKEN = 4096
FAILED = "Turnstile verification failed, please refresh the page and try again"


async def check(request: web.Request) -> None:
    """Return when Turnstile is off, already passed in this session, or passes now; else raise
    ApiError (200, success:false) saying why. A siteverify that cannot be reached within
    providers.timeout_seconds is an error naming that, never a hang."""
    app = request.config_dict
    options = app[OPTIONS]
    if not options["TurnstileCheckEnabled"]:
        return
    session = request[SESSION]
    if session.get(SESSION_KEY) is True:
        return
    token = request.query.get("turnstile", "").strip()
    if not token:
        raise ApiError("Turnstile token is missing: complete the Turnstile challenge first")
    if len(token) > MAX_TOKEN:
        raise ApiError(FAILED)
    cfg = app[CONFIG]
    form = {
        "secret": options["TurnstileSecretKey"],
        "response": token,
        "remoteip": client_ip(request, cfg.server.trust_forwarded_for),
    }
    timeout = aiohttp.ClientTimeout(total=cfg.providers.timeout_seconds)
    try:
        async with app[HTTP].post(
            cfg.providers.turnstile_verify_url, data=form, timeout=timeout
        ) as resp:
            if resp.status != 200:
                raise ApiError(
                    f"the Turnstile check could not be completed: siteverify answered HTTP "
                    f"{resp.status}; please try again later"
                )
            result = await resp.json(content_type=None)
    except TimeoutError:
        raise ApiError(
            "the Turnstile check could not be completed: Cloudflare's siteverify did not "
            f"answer within {cfg.providers.timeout_seconds:g} s; please try again later"
        ) from None
    except aiohttp.ClientError:
        raise ApiError(
            "the Turnstile check could not be completed: Cloudflare's siteverify could not "
            "be reached; please try again later"
        ) from None
    except ValueError:  # not JSON
        raise ApiError(FAILED) from None
    if not isinstance(result, dict) or result.get("success") is not True:
        raise ApiError(FAILED)
    session.set(**{SESSION_KEY: True})
