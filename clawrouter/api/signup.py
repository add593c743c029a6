"""Self-registration: POST /api/user/register (the reference's switches, field rules, email
verification code and invite code). No login follows: the new user logs in as usual."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from clawrouter.api.routing import Routes
from clawrouter.api.validate import str_field
from clawrouter.auth import passwords, signup, turnstile, verification
from clawrouter.auth.roles import PUBLIC
from clawrouter.db.repo import users as users_repo
from clawrouter.errors import ApiError
from clawrouter.http.render import ok
from clawrouter.http.request import read_object
from clawrouter.keys import CLOCK, MAIN_DB, OPTIONS

MAX_AFF_CODE = 32


def _username(body: dict[str, Any]) -> str:
    name = (str_field(body, "username") or "").strip()
    if not name:
        raise ApiError("username is required")
    if len(name) > signup.MAX_USERNAME:
        raise ApiError(f"username must be at most {signup.MAX_USERNAME} characters")
    return name


def _password(body: dict[str, Any]) -> str:
    password = str_field(body, "password") or ""
    if not 8 <= len(password) <= 20:
        raise ApiError("password must be 8 to 20 characters")
    too_long = passwords.check_length(password)
    if too_long:
        raise ApiError(too_long)
    return password


def _verified_email(request: web.Request, body: dict[str, Any]) -> str:
    """With EmailVerificationEnabled: the address and its mailed code, checked (the code is
    used up); otherwise "" — an address nobody verified is not stored, since password reset
    and login by email trust it."""
    if not request.config_dict[OPTIONS]["EmailVerificationEnabled"]:
        return ""
    code = str_field(body, "verification_code") or ""
    if not str_field(body, "email") or not code.strip():
        raise ApiError("email verification is on: email and verification_code are required")
    return verification.normalize_email(body["email"])


async def register(request: web.Request) -> web.Response:
    """Register a user with a username and password (and the mailed code when email
    verification is on); nobody is logged in."""
    app = request.config_dict
    options = app[OPTIONS]
    if not options["RegisterEnabled"]:
        raise ApiError("new registrations are disabled by the administrator")
    if not options["PasswordRegisterEnabled"]:
        raise ApiError(
            "registration with a username and password is disabled by the administrator; "
            "use another sign-in method"
        )
    await turnstile.check(request)
    body = await read_object(request)
    username, password = _username(body), _password(body)
    str_field(body, "display_name", max_len=signup.MAX_USERNAME)  # checked; the name is used
    aff_code = (str_field(body, "aff_code", max_len=MAX_AFF_CODE) or "").strip()
    email = _verified_email(request, body)
    db = app[MAIN_DB]
    if await users_repo.get_user_by_username(db, username) is not None:
        raise ApiError(f"the username {username!r} is already taken")
    if email and await users_repo.email_taken(db, email):
        raise ApiError(f"the email {email} is already taken")
    now = int(app[CLOCK]())
    if email and not await verification.take(
        db, verification.EMAIL_VERIFY, email, body["verification_code"], now
    ):
        raise ApiError("the verification code is wrong or has expired")
    await signup.register_user(
        request,
        username=username,
        password_hash=await passwords.hash_password(password),
        email=email,
        inviter_aff_code=aff_code,
    )
    return ok()


def routes(r: Routes) -> None:
    r.add("POST", "/user/register", register, PUBLIC, limit="critical")
