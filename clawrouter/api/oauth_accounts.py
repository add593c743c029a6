"""What a confirmed provider identity does to accounts, shared by every sign-in method
(the generic OAuth callback, WeChat, Telegram): log the bound user in, register a new user on a
first sign-in (the reference's username rules, the session's invite code), or bind the id to
the logged-in user."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from clawrouter.api.account import complete_login
from clawrouter.auth import signup
from clawrouter.auth.oauth_providers import OAuthFailure, ProviderUser
from clawrouter.db.repo import oauth_ids
from clawrouter.db.repo import users as users_repo
from clawrouter.errors import ApiError
from clawrouter.keys import CONFIG, HTTP, MAIN_DB, OPTIONS, SESSION
from clawrouter.wire.status import UserStatus

log = logging.getLogger(__name__)
MAX_DISPLAY_NAME = 20


@dataclass(frozen=True, slots=True)
class Binding:
    """Where a provider's id lives on users, and how a user it creates is named."""

    name: str  # shown in messages: "GitHub"
    column: str  # "github_id"
    prefix: str  # "github_": the `<prefix><n>` username fallback


def failed(binding_name: str, err: OAuthFailure) -> ApiError:
    """The clear error a client sees when a provider could not confirm the user."""
    log.info("%s sign-in failed: %s", binding_name, err.message)
    return ApiError(err.message, code="oauth_failed")


def timeout_seconds(request: web.Request) -> float:
    return request.config_dict[CONFIG].providers.timeout_seconds


def http_client(request: web.Request) -> Any:
    return request.config_dict[HTTP]


async def session_user(request: web.Request) -> dict[str, Any] | None:
    """The user this request's login session belongs to, or None (no login, or a session that
    ended: deleted user, or a password change moved the session version)."""
    uid = request[SESSION].get("id")
    if not isinstance(uid, int):
        return None
    user = await users_repo.get_user(request.config_dict[MAIN_DB], uid)
    if user is None or request[SESSION].get("sv", 0) != user["session_version"]:
        return None
    return user


async def bind(request: web.Request, user: dict[str, Any], b: Binding, provider_id: str) -> None:
    """Bind the provider id to `user`; refused when another user (deleted ones too) holds it."""
    if user["status"] != UserStatus.ENABLED:
        raise ApiError("this user has been banned")
    db = request.config_dict[MAIN_DB]
    if not await oauth_ids.bind_provider_id(db, user["id"], b.column, provider_id):
        raise ApiError(f"this {b.name} account is already bound to another user")


async def sign_in(
    request: web.Request, b: Binding, who: ProviderUser, *, register: bool = True
) -> web.Response:
    """Log in the user bound to `who.id`; with `register`, create one on a first sign-in."""
    db = request.config_dict[MAIN_DB]
    user = await oauth_ids.find_by_provider_id(db, b.column, who.id)
    if user is None:
        if not register:
            raise ApiError(
                f"this {b.name} account is not bound to any user: log in another way, then"
                f" bind it in your personal settings"
            )
        user = await _register(request, b, who)
    elif user["deleted_at"] is not None:
        raise ApiError(f"the user bound to this {b.name} account has been deleted")
    if user["status"] != UserStatus.ENABLED:
        raise ApiError("this user has been banned")
    return await complete_login(request, user)


async def _register(request: web.Request, b: Binding, who: ProviderUser) -> dict[str, Any]:
    """A new common user: the provider's login as username when free and at most 20 characters,
    else `<prefix><largest id + 1>`; display name and email from the provider; the inviter
    from the invite code /api/oauth/state put in the session."""
    app = request.config_dict
    if not app[OPTIONS]["RegisterEnabled"]:
        raise ApiError("new user registration is turned off by the administrator")
    db = app[MAIN_DB]
    email = who.email.strip().lower()
    if email and await users_repo.email_taken(db, email):
        raise ApiError(
            f"the email {email} from {b.name} is already used by another account: log in to"
            f" it, then bind {b.name} in your personal settings"
        )
    username = await signup.free_username(db, who.username, b.prefix)
    display = (who.display_name or who.username or f"{b.name} User")[:MAX_DISPLAY_NAME]
    aff = request[SESSION].get("aff")
    return await signup.register_user(
        request,
        username=username,
        password_hash="",
        email=email,
        display_name=display,
        inviter_aff_code=aff if isinstance(aff, str) else "",
        extra={b.column: who.id},
    )
