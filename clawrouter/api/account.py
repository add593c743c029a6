"""The caller's own account: login, logout, profile, access token."""

from __future__ import annotations

import secrets
from typing import Any

import orjson
from aiohttp import web

from clawrouter.api.routing import Routes
from clawrouter.auth import passwords, turnstile
from clawrouter.auth.middleware import keep_session
from clawrouter.auth.roles import ADMIN, COMMON, PUBLIC, ROOT
from clawrouter.changes.change import Change
from clawrouter.db.repo import twofa as twofa_repo
from clawrouter.db.repo import users as users_repo
from clawrouter.errors import ApiError
from clawrouter.http.render import ok
from clawrouter.http.request import read_object
from clawrouter.keys import CALLER, CHANGES, CLOCK, MAIN_DB, OPTIONS, SESSION
from clawrouter.wire.status import UserStatus

_DUMMY_HASH = "$2b$10$ZgG7MMxL2YLmkAw8iIB.v.14ySPRNJqQCfDd3qiBnDdzthP7HDk/K"
LOGIN_FAILED = "username or password is wrong, or the user has been banned"
_SELF_FIELDS = (
    "id", "username", "display_name", "role", "status", "email", "github_id", "discord_id",
    "oidc_id", "wechat_id", "telegram_id", "group", "quota", "used_quota", "request_count",
    "aff_code", "aff_count", "aff_quota", "inviter_id", "linux_do_id", "setting", "stripe_customer",
)  # fmt: skip


def user_setting(user: dict[str, Any]) -> dict[str, Any]:
    try:
        data = orjson.loads(user.get("setting") or "{}")
    except orjson.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _permissions(role: int) -> dict[str, Any]:
    if role >= ROOT:
        return {"sidebar_settings": False, "sidebar_modules": {}}
    if role >= ADMIN:
        return {"sidebar_settings": True, "sidebar_modules": {"admin": {"setting": False}}}
    return {"sidebar_settings": True, "sidebar_modules": {"admin": False}}


def self_view(user: dict[str, Any]) -> dict[str, Any]:
    out = {k: user[k] for k in _SELF_FIELDS}
    out["aff_history_quota"] = user["aff_history"]
    out["sidebar_modules"] = user_setting(user).get("sidebar_modules", "")
    out["permissions"] = _permissions(user["role"])
    return out


def login_view(user: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "username", "display_name", "role", "status", "group")
    return {k: user[k] for k in keys}


async def complete_login(request: web.Request, user: dict[str, Any]) -> web.Response:
    """Record the login and put the user into the session (shared by every login method)."""
    app = request.config_dict
    await users_repo.set_last_login(app[MAIN_DB], user["id"], int(app[CLOCK]()))
    session = request[SESSION]
    session.clear_all()
    session.set(**login_view(user), sv=user["session_version"])
    return ok(login_view(user))


async def login(request: web.Request) -> web.Response:
    await turnstile.check(request)
    app = request.config_dict
    body = await read_object(request)
    if not app[OPTIONS]["PasswordLoginEnabled"]:
        raise ApiError("password login is disabled by the administrator")
    username, password = body.get("username"), body.get("password")
    if (
        not isinstance(username, str)
        or not isinstance(password, str)
        or not username
        or not password
    ):
        raise ApiError("username and password are required")
    user = await users_repo.get_user_for_login(app[MAIN_DB], username.strip())
    # Verify against a dummy hash when the user is unknown, so timing does not reveal it.
    hashed = user["password"] if user else _DUMMY_HASH
    valid = await passwords.verify_password(password, hashed)
    if not user or not valid or user["status"] != UserStatus.ENABLED:
        raise ApiError(LOGIN_FAILED)
    if await twofa_repo.is_enabled(app[MAIN_DB], user["id"]):
        session = request[SESSION]
        session.clear_all()
        session.set(
            pending_username=user["username"],
            pending_user_id=user["id"],
            pending_at=int(app[CLOCK]()),
            pending_sv=user["session_version"],
        )  # api.twofa.login_2fa finishes the login
        return ok({"require_2fa": True}, message="please enter your two-factor code")
    return await complete_login(request, user)


async def logout(request: web.Request) -> web.Response:
    request[SESSION].clear_all()
    return ok()


async def get_self(request: web.Request) -> web.Response:
    return ok(self_view(request[CALLER]))


async def _update_setting(request: web.Request, user: dict[str, Any], key: str, value: Any):
    if not isinstance(value, str):
        raise ApiError(f"{key} must be a string")
    setting = user_setting(user)
    setting[key] = value
    await users_repo.update_user(
        request.config_dict[MAIN_DB], user["id"], {"setting": orjson.dumps(setting).decode()}
    )
    return ok()


async def _profile_changes(request: web.Request, user: dict, body: dict) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in ("username", "display_name"):
        value = body.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str) or len(value) > 20:
            raise ApiError(f"{key} must be a string of at most 20 characters")
        changes[key] = value.strip()
    new_name = changes.get("username", user["username"])
    db = request.config_dict[MAIN_DB]
    if new_name != user["username"] and await users_repo.get_user_by_username(db, new_name):
        raise ApiError("that username is already taken")
    password = body.get("password")
    if password not in (None, ""):
        if not isinstance(password, str) or not 8 <= len(password) <= 20:
            raise ApiError("password must be 8 to 20 characters")
        if (err := passwords.check_length(password)) is not None:
            raise ApiError(err)
        original = body.get("original_password")
        # An account with no password (OAuth-only) may set one without the original.
        if user["password"] and not (
            isinstance(original, str)
            and await passwords.verify_password(original, user["password"])
        ):
            raise ApiError("the original password is wrong")
        changes["password"] = await passwords.hash_password(password)
    return changes


async def update_self(request: web.Request) -> web.Response:
    user = request[CALLER]
    body = await read_object(request)
    if "sidebar_modules" in body:
        return await _update_setting(request, user, "sidebar_modules", body["sidebar_modules"])
    if "language" in body:
        return await _update_setting(request, user, "language", body["language"])
    changes = await _profile_changes(request, user, body)
    if not changes:
        raise ApiError("nothing to update")
    db = request.config_dict[MAIN_DB]
    hashed = changes.pop("password", None)
    if changes:
        await users_repo.update_user(db, user["id"], changes)
        # the relay writes the username into log rows
        await request.config_dict[CHANGES].publish(Change("user", user["id"]))
    if hashed is not None:  # ends the other sessions and the access token; this one stays
        keep_session(request, user["id"], await users_repo.set_password(db, user["id"], hashed))
    return ok()


async def generate_access_token(request: web.Request) -> web.Response:
    token = secrets.token_urlsafe(24)
    await users_repo.set_access_token(request.config_dict[MAIN_DB], request[CALLER]["id"], token)
    return ok(token)


def routes(r: Routes) -> None:
    r.add("POST", "/user/login", login, PUBLIC, limit="critical")
    r.add("GET", "/user/logout", logout, PUBLIC)
    r.add("GET", "/user/self", get_self, COMMON)
    r.add("PUT", "/user/self", update_self, COMMON)
    r.add("GET", "/user/token", generate_access_token, COMMON)
