"""The flows that mail a code or a link: verification codes (GET /api/verification), password
reset (GET /api/reset_password, then POST /api/user/reset with the mailed token) and binding a
verified address to the logged-in user (POST /api/oauth/email/bind, legacy GET)."""

from __future__ import annotations

import html
import secrets
import string
from typing import Any
from urllib.parse import quote

from aiohttp import web

from clawrouter.api.routing import Routes
from clawrouter.api.validate import str_field
from clawrouter.auth import mailer, passwords, turnstile, verification
from clawrouter.auth.roles import COMMON, PUBLIC
from clawrouter.changes.change import Change
from clawrouter.db.repo import users as users_repo
from clawrouter.errors import ApiError
from clawrouter.http.render import ok
from clawrouter.http.request import read_object
from clawrouter.keys import CALLER, CHANGES, CLOCK, CONFIG, MAIN_DB, OPTIONS, OUTBOX

NEW_PASSWORD_LENGTH = 12
_PASSWORD_ALPHABET = string.ascii_letters + string.digits
BAD_CODE = "the verification code is wrong or has expired"
BAD_RESET = "the reset link is invalid or has expired; ask for a new one"
MINUTES = verification.VALID_SECONDS // 60


def _smtp(request: web.Request) -> mailer.SmtpSettings:
    """The SMTP settings, refusing early (before anything is looked up) when mail is not set."""
    settings = mailer.SmtpSettings.from_options(request.config_dict[OPTIONS])
    if problem := settings.problem():
        raise ApiError(problem)
    return settings


async def _send(app: Any, s: mailer.SmtpSettings, to: str, subject: str, text: str, body: str):
    cfg = app[CONFIG].providers
    seconds, ca_file = cfg.timeout_seconds, cfg.smtp_ca_file
    await mailer.send_mail(s, to, subject, text, body, seconds=seconds, ca_file=ca_file)


def _site(s: mailer.SmtpSettings) -> tuple[str, str]:
    return s.system_name or "ClawRouter", html.escape(s.system_name or "ClawRouter")


async def send_verification(request: web.Request) -> web.Response:
    """Mail a 6-character code to an address that may register (or be bound)."""
    await turnstile.check(request)
    app = request.config_dict
    email = verification.normalize_email(request.query.get("email", ""))
    verification.check_allowed(email, app[OPTIONS])
    db = app[MAIN_DB]
    if await users_repo.email_taken(db, email):
        raise ApiError("this email address is already taken")
    s = _smtp(request)
    code = verification.new_code()
    await verification.issue(db, verification.EMAIL_VERIFY, email, code, int(app[CLOCK]()))
    name, name_html = _site(s)
    text = (
        f"Hello,\n\nyou are verifying your email address for {name}.\n\n"
        f"Your verification code is: {code}\n\n"
        f"It is valid for {MINUTES} minutes. If you did not ask for it, ignore this mail.\n"
    )
    body = (
        f"<p>Hello,</p><p>you are verifying your email address for {name_html}.</p>"
        f"<p>Your verification code is: <strong>{code}</strong></p>"
        f"<p>It is valid for {MINUTES} minutes. If you did not ask for it, ignore this mail.</p>"
    )
    try:
        await _send(app, s, email, f"{name} email verification", text, body)
    except mailer.MailError as e:
        raise ApiError(f"the verification mail could not be sent: {e}") from None
    return ok()


async def send_reset(request: web.Request) -> web.Response:
    """Always the same answer, at once: whether the address has an account is decided (and the
    mail sent) in the background, so neither the answer nor its timing tells."""
    await turnstile.check(request)
    app = request.config_dict
    email = verification.normalize_email(request.query.get("email", ""))
    s = _smtp(request)
    server_address = str(app[OPTIONS]["ServerAddress"]).strip().rstrip("/")
    if not server_address.startswith(("http://", "https://")):
        raise ApiError(
            "password reset by mail is not set up: the administrator has not set ServerAddress "
            "(the site's address used in the mailed link)"
        )
    app[OUTBOX].submit(_mail_reset(app, s, email, server_address), "password reset mail")
    return ok()


async def _mail_reset(app: Any, s: mailer.SmtpSettings, email: str, server_address: str) -> None:
    db = app[MAIN_DB]
    user = await users_repo.get_user_by_email(db, email)
    if user is None:
        return
    token = verification.new_reset_token()
    await verification.issue(db, verification.PASSWORD_RESET, email, token, int(app[CLOCK]()))
    link = f"{server_address}/user/reset?email={quote(email, safe='@')}&token={token}"
    name, name_html = _site(s)
    text = (
        f"Hello,\n\nsomeone asked to reset the password of your {name} account.\n\n"
        f"Open this link to get a new password:\n{link}\n\n"
        f"The link works once, for {MINUTES} minutes. If you did not ask for it, ignore this "
        "mail: your password stays as it is.\n"
    )
    href = html.escape(link)
    body = (
        f"<p>Hello,</p><p>someone asked to reset the password of your {name_html} account.</p>"
        f'<p><a href="{href}">Reset the password</a></p>'
        f"<p>If the link does not open, copy it into your browser:<br>{href}</p>"
        f"<p>The link works once, for {MINUTES} minutes. If you did not ask for it, ignore "
        "this mail: your password stays as it is.</p>"
    )
    await _send(app, s, email, f"{name} password reset", text, body)


def _new_password() -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(NEW_PASSWORD_LENGTH))


def _chosen_password(body: dict[str, Any]) -> str | None:
    """The user's document also lets the client choose the new password."""
    chosen = str_field(body, "password")
    if not chosen:
        return None
    if not 8 <= len(chosen) <= 20:
        raise ApiError("password must be 8 to 20 characters")
    if (err := passwords.check_length(chosen)) is not None:
        raise ApiError(err)
    return chosen


async def reset_password(request: web.Request) -> web.Response:
    """POST /api/user/reset {email, token}: a new random password (data), every session of the
    user ended and the access token revoked. The token works once."""
    body = await read_object(request)
    token = body.get("token")
    if not isinstance(body.get("email"), str) or not isinstance(token, str) or not token:
        raise ApiError("email and token are required")
    email = verification.normalize_email(body["email"])
    password = _chosen_password(body) or _new_password()
    app = request.config_dict
    db = app[MAIN_DB]
    now = int(app[CLOCK]())
    if not await verification.take(db, verification.PASSWORD_RESET, email, token, now):
        raise ApiError(BAD_RESET)
    user = await users_repo.get_user_by_email(db, email)
    if user is None:
        raise ApiError(BAD_RESET)
    await users_repo.set_password(db, user["id"], await passwords.hash_password(password))
    await users_repo.end_sessions(db, user["id"])
    await app[CHANGES].publish(Change("user", user["id"]))
    return ok(password)


async def bind_email(request: web.Request) -> web.Response:
    """Bind a verified address to the caller: {email, code} as JSON (POST) or in the query
    (the legacy GET)."""
    if request.method == "GET":
        fields: dict[str, Any] = dict(request.query)
    else:
        fields = await read_object(request)
    email = verification.normalize_email(fields.get("email"))
    code = fields.get("code")
    if not isinstance(code, str) or not code.strip():
        raise ApiError("code is required")
    app, user = request.config_dict, request[CALLER]
    db = app[MAIN_DB]
    if await users_repo.email_taken(db, email, except_id=user["id"]):
        raise ApiError("this email address is already taken")
    now = int(app[CLOCK]())
    if not await verification.take(db, verification.EMAIL_VERIFY, email, code, now):
        raise ApiError(BAD_CODE)
    if not await users_repo.set_email_if_free(db, user["id"], email):
        raise ApiError("this email address is already taken")
    await app[CHANGES].publish(Change("user", user["id"]))
    return ok()


def routes(r: Routes) -> None:
    r.add("GET", "/verification", send_verification, PUBLIC, limit="email_verification")
    r.add("GET", "/reset_password", send_reset, PUBLIC, limit="critical")
    r.add("POST", "/user/reset", reset_password, PUBLIC, limit="critical")
    r.add("POST", "/oauth/email/bind", bind_email, COMMON, limit="critical")
    r.add("GET", "/oauth/email/bind", bind_email, COMMON, limit="critical")
