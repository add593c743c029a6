"""Secure verification ("sudo mode", auth.secure): `POST /api/verify` proves presence again —
a 2FA code or backup code, a fresh passkey assertion, or (unlike the reference) the password
for an account with neither 2FA nor a passkey — and `GET /api/verify/status` reports it.

The reference refuses accounts with neither second factor; ClawRouter takes their password,
or a root without 2FA could never reveal a channel key. Verification lives in the login
session, so an access-token caller cannot verify (nor pass auth.secure.require)."""

from __future__ import annotations

from aiohttp import web

from clawrouter.api import audit
from clawrouter.api.routing import Routes
from clawrouter.api.twofa import check_code
from clawrouter.auth import passwords, secure, totp
from clawrouter.auth.roles import COMMON
from clawrouter.claims import digest
from clawrouter.db.repo import twofa as twofa_repo
from clawrouter.errors import ApiError
from clawrouter.http.render import ok
from clawrouter.http.request import read_object
from clawrouter.keys import CALLER, CLAIMS, CLOCK, MAIN_DB, SESSION
from clawrouter.wire.status import LogType

METHODS = ("2fa", "passkey", "password")
NEEDS_SESSION = (
    "secure verification needs a login session (the console's cookie): an access token cannot"
    " verify"
)


async def _second_factor(request: web.Request, method: str, body: dict) -> None:
    """Check the proof for `method`; raise ApiError when it fails."""
    app, user = request.config_dict, request[CALLER]
    db, now = app[MAIN_DB], int(app[CLOCK]())
    has_2fa = await twofa_repo.is_enabled(db, user["id"])
    has_passkey = await twofa_repo.has_passkey(db, user["id"])
    if method == "password":
        if has_2fa or has_passkey:
            raise ApiError("this account has 2FA or a passkey: verify with one of them instead")
        password = body.get("password")
        if not isinstance(password, str) or not password:
            raise ApiError("password is required")
        if not await passwords.verify_password(password, user["password"] or ""):
            raise ApiError("the password is wrong")
        return
    if not has_2fa and not has_passkey:
        raise ApiError(
            "this account has neither 2FA nor a passkey: verify with method password instead"
        )
    if method == "2fa":
        if not has_2fa:
            raise ApiError(totp.NOT_ENABLED)
        await check_code(request, user["id"], totp.code_text(body))
    elif not await _spend_passkey_ready(request, user["id"], now):
        raise ApiError(
            "no recent passkey check: finish /api/user/passkey/verify, then verify within"
            f" {secure.PASSKEY_READY_WINDOW} seconds"
        )


async def _spend_passkey_ready(request: web.Request, user_id: int, now: int) -> bool:
    """A fresh passkey assertion from the session, used once: a replayed older cookie, on any
    worker or instance, finds it spent (clawrouter/claims.py)."""
    at = secure.take_passkey_ready(request[SESSION], now)
    if at is None:
        return False
    name = "passkey_ready:" + digest(user_id, at)
    return await request.config_dict[CLAIMS].claim(name, secure.PASSKEY_READY_WINDOW)


async def verify(request: web.Request) -> web.Response:
    """Secure verification: 2FA code, backup code, passkey, or password (valid 5 minutes)."""
    user = request[CALLER]
    if user["use_access_token"]:
        raise ApiError(NEEDS_SESSION)
    body = await read_object(request)
    method = body.get("method")
    if not isinstance(method, str) or method not in METHODS:
        raise ApiError("method must be one of: 2fa, passkey, password")
    await _second_factor(request, method, body)
    now = int(request.config_dict[CLOCK]())
    expires_at = secure.mark_verified(request[SESSION], method, now)
    await audit.write_log(
        request, user, LogType.SYSTEM, f"secure verification passed (method: {method})"
    )
    return ok({"verified": True, "expires_at": expires_at}, message="verified")


async def verify_status(request: web.Request) -> web.Response:
    """Whether the session holds a valid secure verification, and until when."""
    verified, expires_at, _ = secure.status(request[SESSION], int(request.config_dict[CLOCK]()))
    if request[CALLER]["use_access_token"]:
        verified, expires_at = False, 0
    return ok({"verified": verified, "expires_at": expires_at})


def routes(r: Routes) -> None:
    r.add("POST", "/verify", verify, COMMON, limit="critical")
    r.add("GET", "/verify/status", verify_status, COMMON)
