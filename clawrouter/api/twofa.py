"""/api/user/2fa (TOTP two-factor authentication): status, setup, enable, disable, backup-code
regeneration, the admin statistics and forced disable, and login step 2
(`POST /api/user/login/2fa`). The checks themselves are auth.totp's."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from clawrouter.api import audit
from clawrouter.api.account import complete_login
from clawrouter.api.routing import Routes
from clawrouter.api.users import NO_RIGHT, NOT_FOUND
from clawrouter.auth import totp
from clawrouter.auth.roles import ADMIN, COMMON, PUBLIC, ROOT
from clawrouter.db.repo import twofa as twofa_repo
from clawrouter.db.repo import users as users_repo
from clawrouter.errors import ApiError
from clawrouter.http.render import ok
from clawrouter.http.request import path_id, read_object
from clawrouter.keys import CALLER, CLOCK, MAIN_DB, OPTIONS, SESSION, SESSIONS
from clawrouter.wire.status import LogType, UserStatus

PENDING_KEYS = ("pending_username", "pending_user_id", "pending_at", "pending_sv")
PENDING_WINDOW = 300  # seconds between the password step and the code step of a login
NO_PENDING = "no login is waiting for a two-factor code: log in with your password first"


def _now(request: web.Request) -> int:
    return int(request.config_dict[CLOCK]())


def secret_key(request: web.Request) -> bytes:
    return request.config_dict[SESSIONS].derive_key(totp.KEY_PURPOSE)


async def check_code(
    request: web.Request, user_id: int, code: str, *, allow_backup: bool = True
) -> str:
    """auth.totp.check_code with the app's store, key and clock."""
    db = request.config_dict[MAIN_DB]
    key = secret_key(request)
    return await totp.check_code(db, key, user_id, code, _now(request), allow_backup=allow_backup)


async def get_status(request: web.Request) -> web.Response:
    """Own 2FA status: enabled, locked, backup codes left."""
    db, user_id = request.config_dict[MAIN_DB], request[CALLER]["id"]
    row = await twofa_repo.get_two_fa(db, user_id)
    data: dict[str, Any] = {"enabled": False, "locked": False}
    if row is not None:
        data["enabled"] = bool(row["is_enabled"])
        data["locked"] = totp.locked_for(row, _now(request)) > 0
        if row["is_enabled"]:
            data["backup_codes_remaining"] = await twofa_repo.count_unused_backup_codes(db, user_id)
    return ok(data)


async def setup(request: web.Request) -> web.Response:
    """Start 2FA setup: secret, QR URI and backup codes.

    They wait for enable; a second setup replaces a pending one."""
    app, user = request.config_dict, request[CALLER]
    if await twofa_repo.is_enabled(app[MAIN_DB], user["id"]):
        raise ApiError("two-factor authentication is already enabled; disable it first")
    secret, codes = totp.new_secret(), totp.new_backup_codes()
    sealed = totp.seal_secret(secret_key(request), user["id"], secret)
    hashes = await totp.hash_backup_codes(codes)
    if not await twofa_repo.start_setup(app[MAIN_DB], user["id"], sealed, hashes, _now(request)):
        raise ApiError("two-factor authentication is already enabled; disable it first")
    issuer = str(app[OPTIONS]["SystemName"])
    data = {
        "secret": secret,
        "qr_code_data": totp.otpauth_uri(secret, user["username"], issuer),
        "backup_codes": codes,
    }
    message = "scan the QR code with an authenticator app, then enable 2FA with a code from it"
    return ok(data, message=message)


async def enable(request: web.Request) -> web.Response:
    """Turn 2FA on with a current code of the pending setup."""
    db, user = request.config_dict[MAIN_DB], request[CALLER]
    body = await read_object(request)
    code = totp.code_text(body)
    row = await twofa_repo.get_two_fa(db, user["id"])
    if row is None:
        raise ApiError("start the setup first (POST /api/user/2fa/setup)")
    if row["is_enabled"]:
        raise ApiError("two-factor authentication is already enabled")
    digits = totp.totp_digits(code)
    if digits is None:
        raise ApiError("the code must be the 6-digit code of your authenticator app")
    secret = totp.open_secret(secret_key(request), user["id"], row["secret"])
    step = totp.matching_step(secret, digits, _now(request))
    if step is None:
        raise ApiError("the code is wrong: check the time on your device and try again")
    if not await twofa_repo.enable(db, user["id"], step, _now(request)):
        raise ApiError("two-factor authentication is already enabled")
    await audit.write_log(request, user, LogType.SYSTEM, "two-factor authentication enabled")
    return ok(message="two-factor authentication is enabled")


async def disable(request: web.Request) -> web.Response:
    """Turn own 2FA off, with a TOTP code or a backup code."""
    user = request[CALLER]
    code = totp.code_text(await read_object(request))
    await check_code(request, user["id"], code)
    await twofa_repo.delete_two_fa(request.config_dict[MAIN_DB], user["id"])
    await audit.write_log(request, user, LogType.SYSTEM, "two-factor authentication disabled")
    return ok(message="two-factor authentication is disabled")


async def regenerate_backup_codes(request: web.Request) -> web.Response:
    """Regenerate the backup codes (a TOTP code only).

    The old codes stop working; a backup code cannot stand in for the TOTP code here."""
    user = request[CALLER]
    code = totp.code_text(await read_object(request))
    await check_code(request, user["id"], code, allow_backup=False)
    codes = totp.new_backup_codes()
    hashes = await totp.hash_backup_codes(codes)
    await twofa_repo.replace_backup_codes(
        request.config_dict[MAIN_DB], user["id"], hashes, _now(request)
    )
    await audit.write_log(request, user, LogType.SYSTEM, "2FA backup codes regenerated")
    return ok({"backup_codes": codes}, message="new backup codes; the old ones no longer work")


async def get_stats(request: web.Request) -> web.Response:
    """2FA statistics: live users, how many have 2FA on, the rate."""
    total, enabled = await twofa_repo.stats(request.config_dict[MAIN_DB])
    rate = enabled / total * 100 if total else 0.0
    return ok({"total_users": total, "enabled_users": enabled, "enabled_rate": f"{rate:.1f}%"})


async def admin_disable(request: web.Request) -> web.Response:
    """Turn off a user's 2FA (admin).

    For a user who lost their device: only on a lower role, unless the caller is root; a
    manage log names the admin."""
    app, caller = request.config_dict, request[CALLER]
    target = await users_repo.get_user(app[MAIN_DB], path_id(request))
    if target is None:
        raise ApiError(NOT_FOUND)
    if not (caller["role"] > target["role"] or caller["role"] == ROOT):
        raise ApiError(NO_RIGHT)
    if not await twofa_repo.delete_two_fa(app[MAIN_DB], target["id"]):
        raise ApiError(totp.NOT_ENABLED)
    admin = {"admin_id": caller["id"], "admin_username": caller["username"]}
    await audit.write_log(
        request,
        target,
        LogType.MANAGE,
        "an administrator disabled two-factor authentication",
        other={"admin_info": admin},
    )
    return ok(message="two-factor authentication of the user is disabled")


async def login_2fa(request: web.Request) -> web.Response:
    """Login step 2 with a TOTP code or a backup code.

    The session holds the user the password step accepted (for PENDING_WINDOW seconds)."""
    app, session = request.config_dict, request[SESSION]
    body = await read_object(request)
    user_id, at = session.get("pending_user_id"), session.get("pending_at")
    if not isinstance(user_id, int) or not isinstance(at, int):
        raise ApiError(NO_PENDING)
    if not 0 <= _now(request) - at < PENDING_WINDOW:
        session.drop(*PENDING_KEYS)
        raise ApiError("the login waited too long for its two-factor code: log in again")
    code = totp.code_text(body)
    user = await users_repo.get_user(app[MAIN_DB], user_id)
    if (
        user is None
        or user["status"] != UserStatus.ENABLED
        or user["session_version"] != session.get("pending_sv")
    ):
        session.drop(*PENDING_KEYS)
        raise ApiError("this login is no longer valid: log in again")
    await check_code(request, user_id, code)
    session.drop(*PENDING_KEYS)
    return await complete_login(request, user)


def routes(r: Routes) -> None:
    r.add("POST", "/user/login/2fa", login_2fa, PUBLIC, limit="critical")
    r.add("GET", "/user/2fa/status", get_status, COMMON)
    r.add("POST", "/user/2fa/setup", setup, COMMON)
    r.add("POST", "/user/2fa/enable", enable, COMMON)
    r.add("POST", "/user/2fa/disable", disable, COMMON)
    r.add("POST", "/user/2fa/backup_codes", regenerate_backup_codes, COMMON)
    r.add("GET", "/user/2fa/stats", get_stats, ADMIN)
    r.add("DELETE", r"/user/{id:\d+}/2fa", admin_disable, ADMIN)
