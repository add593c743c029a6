"""/api/user/passkey: register, log in and verify with a passkey (WebAuthn begin / finish),
status, delete, and the admin reset. One credential per user; the user handle is the decimal
user id. Ceremony state lives in the session cookie under the reference's keys, expires after
webauthn.STATE_TTL seconds and answers once. With passkey.enabled off, every route but status,
delete and the admin reset answers success:false."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web

from clawrouter.api import account, audit
from clawrouter.api.routing import Routes
from clawrouter.api.users import NO_RIGHT
from clawrouter.auth import secure
from clawrouter.auth import webauthn as wa
from clawrouter.auth.roles import ADMIN, COMMON, PUBLIC, ROOT
from clawrouter.claims import digest
from clawrouter.db.repo import passkeys as repo
from clawrouter.db.repo import twofa as twofa_repo
from clawrouter.db.repo import users as users_repo
from clawrouter.db.store import DuplicateError
from clawrouter.errors import ApiError
from clawrouter.http.render import ok
from clawrouter.http.request import path_id, read_json
from clawrouter.keys import CALLER, CLAIMS, CLOCK, MAIN_DB, OPTIONS, SESSION
from clawrouter.wire.status import LogType, UserStatus

REGISTRATION_KEY = "passkey_registration_session"
LOGIN_KEY = "passkey_login_session"
VERIFY_KEY = "passkey_verify_session"
DISABLED = "passkey login is disabled by the administrator (option passkey.enabled)"
NONE_YET = "you have no passkey registered"


def _now(request: web.Request) -> int:
    return int(request.config_dict[CLOCK]())


def _enabled(request: web.Request) -> None:
    if not request.config_dict[OPTIONS]["passkey.enabled"]:
        raise ApiError(DISABLED)


def _rp(request: web.Request) -> wa.RelyingParty:
    try:
        return wa.relying_party(request.config_dict[OPTIONS], f"{request.scheme}://{request.host}")
    except wa.PasskeyError as e:
        raise ApiError(str(e)) from None


def _iso(ts: int | None) -> str | None:
    if not ts:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


async def _registration_guard(request: web.Request, user_id: int) -> None:
    """The reference's rule: with 2FA on, registering needs a fresh 2FA verification."""
    if await twofa_repo.is_enabled(request.config_dict[MAIN_DB], user_id):
        secure.require(request, method="2fa")


async def _finish_state(request: web.Request, key: str, user_id: int) -> bytes:
    """Take the ceremony's challenge from the session (single use, also across replayed
    cookies and across workers and instances: clawrouter/claims.py); a missing, expired,
    foreign or spent one is refused."""
    now = _now(request)
    try:
        challenge, expires_at = wa.take_state(request[SESSION], key, now, user_id)
    except wa.PasskeyError as e:
        raise ApiError(str(e)) from None
    spent = "passkey:" + digest(challenge)
    if not await request.config_dict[CLAIMS].claim(spent, expires_at - now):
        raise ApiError("this passkey challenge was already answered: start again")
    return challenge


async def _credential(request: web.Request, user_id: int) -> dict[str, Any]:
    row = await repo.get_by_user(request.config_dict[MAIN_DB], user_id)
    if row is None:
        raise ApiError(NONE_YET)
    return row


def _allow(row: dict[str, Any]) -> list[tuple[bytes, list[str]]]:
    try:
        transports = orjson.loads(row["transports"] or "[]")
    except orjson.JSONDecodeError:
        transports = []
    names = [t for t in transports if isinstance(t, str)] if isinstance(transports, list) else []
    try:
        return [(wa.from_b64std(row["credential_id"]), names)]
    except wa.PasskeyError as e:
        raise ApiError(str(e)) from None


def _verify(request: web.Request, body: Any, challenge: bytes, row: dict) -> wa.Assertion:
    try:
        key = wa.from_b64std(row["public_key"])
        return wa.verify_assertion(_rp(request), body, challenge, key)
    except wa.PasskeyError as e:
        raise ApiError(str(e)) from None


async def _record(request: web.Request, row: dict[str, Any], found: wa.Assertion) -> None:
    """Move the stored sign count forward; a count that did not move (a cloned authenticator)
    is refused and the credential flagged (clone_warning)."""
    db, now = request.config_dict[MAIN_DB], _now(request)
    flags = {"user_verified": int(found.user_verified), "backup_state": int(found.backed_up)}
    if not await repo.record_use(db, row["id"], found.sign_count, flags, now):
        if await repo.get_by_user(db, row["user_id"]) is None:
            raise ApiError("this passkey has just been removed")
        await repo.set_clone_warning(db, row["id"], now)
        raise ApiError(
            "this passkey's signature counter went backwards, a sign that the authenticator "
            "was cloned: refused; remove the passkey and register it again"
        )


# ---- registration -------------------------------------------------------------------------------
async def register_begin(request: web.Request) -> web.Response:
    """Begin registering a passkey (one per user; 2FA users verify with 2FA first)."""
    _enabled(request)
    user = request[CALLER]
    await _registration_guard(request, user["id"])
    if await repo.get_by_user(request.config_dict[MAIN_DB], user["id"]) is not None:
        raise ApiError("you already have a passkey: remove it before registering another")
    options, challenge = wa.registration_options(
        _rp(request),
        user_id=user["id"],
        username=user["username"],
        display_name=user["display_name"],
    )
    wa.save_state(request[SESSION], REGISTRATION_KEY, challenge, _now(request), user["id"])
    return ok({"options": {"publicKey": options}})


async def register_finish(request: web.Request) -> web.Response:
    """Finish registering: verify the attestation and store the credential."""
    _enabled(request)
    user = request[CALLER]
    await _registration_guard(request, user["id"])
    body = await read_json(request)
    challenge = await _finish_state(request, REGISTRATION_KEY, user["id"])
    try:
        new = wa.verify_registration(_rp(request), body, challenge)
    except wa.PasskeyError as e:
        raise ApiError(str(e)) from None
    now = _now(request)
    fields = {
        "user_id": user["id"],
        "credential_id": wa.b64std(new.credential_id),
        "public_key": wa.b64std(new.public_key),
        "attestation_type": new.fmt,
        "aaguid": new.aaguid,
        "sign_count": new.sign_count,
        "user_present": 1,
        "user_verified": int(new.user_verified),
        "backup_eligible": int(new.backup_eligible),
        "backup_state": int(new.backed_up),
        "transports": orjson.dumps(list(new.transports)).decode() if new.transports else "",
        "attachment": new.attachment,
        "created_at": now,
        "updated_at": now,
    }
    try:
        await repo.insert_credential(request.config_dict[MAIN_DB], fields)
    except DuplicateError as e:
        if "passkey_credentials.user_id" in e.columns:
            raise ApiError("you already have a passkey: remove it first") from None
        raise ApiError("this passkey is already registered to an account") from None
    return ok(message="passkey registered")


# ---- login --------------------------------------------------------------------------------------
async def login_begin(request: web.Request) -> web.Response:
    """Begin a passkey login (discoverable: no username asked)."""
    _enabled(request)
    options, challenge = wa.authentication_options(_rp(request))
    wa.save_state(request[SESSION], LOGIN_KEY, challenge, _now(request), 0)
    return ok({"options": {"publicKey": options}})


async def login_finish(request: web.Request) -> web.Response:
    """Finish a passkey login: the credential names the user; logs them in."""
    _enabled(request)
    body = await read_json(request)
    challenge = await _finish_state(request, LOGIN_KEY, 0)
    try:
        credential_id, user_handle = wa.assertion_ids(body)
    except wa.PasskeyError as e:
        raise ApiError(str(e)) from None
    db = request.config_dict[MAIN_DB]
    row = await repo.get_by_credential_id(db, wa.b64std(credential_id))
    if row is None:
        raise ApiError("this passkey is not registered here")
    if user_handle is not None and user_handle != str(row["user_id"]).encode():
        raise ApiError("the passkey's user handle does not match its credential")
    found = _verify(request, body, challenge, row)
    user = await users_repo.get_user(db, row["user_id"])
    if user is None:
        raise ApiError("the account of this passkey no longer exists")
    if user["status"] != UserStatus.ENABLED:
        raise ApiError("this user has been banned")
    await _record(request, row, found)
    return await account.complete_login(request, user)


# ---- secure verification ------------------------------------------------------------------------
async def verify_begin(request: web.Request) -> web.Response:
    """Begin a passkey check for secure verification (then POST /api/verify)."""
    _enabled(request)
    user = request[CALLER]
    row = await _credential(request, user["id"])
    options, challenge = wa.authentication_options(_rp(request), _allow(row))
    wa.save_state(request[SESSION], VERIFY_KEY, challenge, _now(request), user["id"])
    return ok({"options": {"publicKey": options}})


async def verify_finish(request: web.Request) -> web.Response:
    """Finish the passkey check; POST /api/verify {"method":"passkey"} within 60 s uses it."""
    _enabled(request)
    user = request[CALLER]
    body = await read_json(request)
    challenge = await _finish_state(request, VERIFY_KEY, user["id"])
    row = await _credential(request, user["id"])
    try:
        credential_id, _ = wa.assertion_ids(body)
    except wa.PasskeyError as e:
        raise ApiError(str(e)) from None
    if wa.b64std(credential_id) != row["credential_id"]:
        raise ApiError("this is not the passkey registered to your account")
    await _record(request, row, _verify(request, body, challenge, row))
    secure.mark_passkey_ready(request[SESSION], _now(request))
    return ok(message="passkey verified")


# ---- status, delete, admin reset ----------------------------------------------------------------
async def passkey_status(request: web.Request) -> web.Response:
    """Whether the caller has a passkey, and when it was last used."""
    row = await repo.get_by_user(request.config_dict[MAIN_DB], request[CALLER]["id"])
    if row is None:
        return ok({"enabled": False})
    return ok({"enabled": True, "last_used_at": _iso(row["last_used_at"])})


async def delete_passkey(request: web.Request) -> web.Response:
    """Remove the caller's passkey (after a 2FA verification, or a passkey one without 2FA)."""
    app, user = request.config_dict, request[CALLER]
    await _credential(request, user["id"])
    if await twofa_repo.is_enabled(app[MAIN_DB], user["id"]):
        secure.require(request, method="2fa")
    elif app[OPTIONS]["passkey.enabled"]:
        secure.require(request, method="passkey")
    # With passkeys switched off and no 2FA there is nothing to verify with, and the passkey
    # cannot log in meanwhile: the logged-in owner may remove it.
    await repo.delete_by_user(app[MAIN_DB], user["id"])
    return ok(message="passkey removed")


async def reset_passkey(request: web.Request) -> web.Response:
    """Admin: remove a user's passkey (caller must outrank the user unless root)."""
    app, caller = request.config_dict, request[CALLER]
    target = await users_repo.get_user(app[MAIN_DB], path_id(request), with_deleted=True)
    if target is None:
        raise ApiError("user not found")
    if not (caller["role"] > target["role"] or caller["role"] == ROOT):
        raise ApiError(NO_RIGHT)
    if not await repo.delete_by_user(app[MAIN_DB], target["id"]):
        raise ApiError("this user has no passkey")
    admin = {"admin_id": caller["id"], "admin_username": caller["username"]}
    await audit.write_log(
        request, target, LogType.MANAGE, "admin reset the passkey", other={"admin_info": admin}
    )
    return ok(message="passkey reset")


def routes(r: Routes) -> None:
    r.add("POST", "/user/passkey/register/begin", register_begin, COMMON)
    r.add("POST", "/user/passkey/register/finish", register_finish, COMMON)
    r.add("POST", "/user/passkey/login/begin", login_begin, PUBLIC, limit="critical")
    r.add("POST", "/user/passkey/login/finish", login_finish, PUBLIC, limit="critical")
    r.add("POST", "/user/passkey/verify/begin", verify_begin, COMMON)
    r.add("POST", "/user/passkey/verify/finish", verify_finish, COMMON)
    r.add("GET", "/user/passkey", passkey_status, COMMON)
    r.add("DELETE", "/user/passkey", delete_passkey, COMMON)
    r.add("DELETE", r"/user/{id:\d+}/reset_passkey", reset_passkey, ADMIN)
