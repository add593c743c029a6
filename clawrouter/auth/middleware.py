"""Resolves the caller of a management route: session cookie or access token, the New-Api-User
rule, status and role checks (the reference's authHelper), plus the cookie round-trip.

The cookie is HttpOnly and SameSite=Lax (the reference uses Strict; Lax lets a provider's
redirect back into the console carry the session, and still keeps it off cross-site POST, PUT
and DELETE), and Secure when the request came over TLS: directly, through a proxy that says
`X-Forwarded-Proto: https` when server.trust_forwarded_for is on, or always with
security.cookie_secure."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from clawrouter.auth.roles import VALID_ROLES
from clawrouter.auth.sessions import COOKIE, Session
from clawrouter.db.repo import users as users_repo
from clawrouter.errors import ApiError, ClawError, UnauthorizedError
from clawrouter.http.render import error_response
from clawrouter.http.request import bearer
from clawrouter.keys import CALLER, CLOCK, CONFIG, MAIN_DB, SESSION, SESSIONS
from clawrouter.wire.status import UserStatus


@web.middleware
async def session_middleware(request: web.Request, handler):
    """Load the session cookie; write it back when it changed."""
    codec = request.config_dict[SESSIONS]
    now = int(request.config_dict[CLOCK]())
    raw = request.cookies.get(COOKIE)
    session = codec.decode(raw, now) if raw else Session()
    request[SESSION] = session
    try:
        response = await handler(request)
    except ClawError as err:
        if not session.changed:
            raise
        # a refusal that changed the session (an expired verification or pending login
        # cleared, a dead session dropped) still writes the cookie
        response = error_response(err, "api")
    if session.changed and not response.prepared:
        secure = over_tls(request)
        if session:
            response.set_cookie(
                COOKIE,
                codec.encode(dict(session), now),
                max_age=codec.max_age,
                path="/",
                httponly=True,
                samesite="Lax",
                secure=secure,
            )
        else:
            response.del_cookie(COOKIE, path="/", secure=secure, httponly=True, samesite="Lax")
    return response


def over_tls(request: web.Request) -> bool:
    """Whether the session cookie gets the Secure attribute."""
    cfg = request.config_dict[CONFIG]
    if cfg.security.cookie_secure or request.secure:
        return True
    if not cfg.server.trust_forwarded_for:
        return False
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0]
    return proto.strip().lower() == "https"


def keep_session(request: web.Request, user_id: int, session_version: int) -> None:
    """After the user's sessions were ended (users_repo.end_sessions, set_password), keep the
    session making the change logged in: it takes the new session_version."""
    session = request[SESSION]
    if session.get("id") == user_id:
        session.set(sv=session_version)


async def authenticate(request: web.Request, min_role: int) -> dict[str, Any]:
    """Return the caller's user row or raise; stores it under request[CALLER]."""
    db = request.config_dict[MAIN_DB]
    session = request[SESSION]
    use_token = False
    if session.get("id"):
        user = await users_repo.get_user(db, int(session["id"]))
        if user is None or session.get("sv", 0) != user["session_version"]:
            session.clear_all()  # deleted, or its sessions ended (password changed or reset)
            raise UnauthorizedError("not logged in or the session has expired")
    else:
        token = bearer(request.headers.get("Authorization", ""))
        if not token:
            raise UnauthorizedError("not logged in and no access token was provided")
        user = await users_repo.get_user_by_access_token(db, token)
        if user is None:
            raise ApiError("access token is invalid")
        use_token = True
    header = request.headers.get("New-Api-User", "").strip()
    if not header:
        raise UnauthorizedError("the New-Api-User header is required")
    if not header.lstrip("-").isdigit():
        raise UnauthorizedError("the New-Api-User header must be a user id")
    if int(header) != user["id"]:
        raise UnauthorizedError("the New-Api-User header does not match the logged-in user")
    if user["status"] == UserStatus.DISABLED:
        raise ApiError("this user has been banned")
    if user["role"] < min_role:
        raise ApiError("insufficient privilege: this action needs a higher role")
    if not user["username"] or user["role"] not in VALID_ROLES:
        raise ApiError("insufficient privilege: invalid user role")
    caller = {**user, "use_access_token": use_token}
    request[CALLER] = caller
    return caller
