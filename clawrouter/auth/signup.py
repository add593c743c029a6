"""Creating a user the reference's way, shared by password registration (api.signup) and an OAuth
provider's first login: role 1, the welcome quota, an own invite code, the inviter's rewards,
system log rows, and the relay's user cache told at once.

Helpers: register_user (the one way to create a self-registered user), free_username (the
reference's `<prefix><n>` fallback for provider names), new_aff_code (a free invite code)."""

from __future__ import annotations

import secrets
import string
from typing import Any

import orjson
from aiohttp import web

from clawrouter.api import audit
from clawrouter.auth.roles import COMMON
from clawrouter.changes.change import Change
from clawrouter.db.repo import users as users_repo
from clawrouter.db.store import DuplicateError, Store
from clawrouter.errors import ApiError
from clawrouter.keys import CHANGES, CLOCK, MAIN_DB, OPTIONS
from clawrouter.wire.status import LogType, UserStatus

MAX_USERNAME = 20
AFF_ALPHABET = string.ascii_letters + string.digits
AFF_LENGTH = 4
_INSERT_TRIES = 5  # a concurrent insert can take the invite code we drew

# What the reference's console shows a common user in its sidebar, stored at registration.
_SIDEBAR = {
    "chat": {"enabled": True, "playground": True, "chat": True},
    "console": {
        "enabled": True, "detail": True, "token": True, "log": True,
        "midjourney": True, "task": True,
    },
    "personal": {"enabled": True, "topup": True, "personal": True},
}  # fmt: skip


def default_setting() -> str:
    """The setting JSON of a new common user: the console's default sidebar."""
    return orjson.dumps({"sidebar_modules": orjson.dumps(_SIDEBAR).decode()}).decode()


async def new_aff_code(db: Store) -> str:
    """AFF_LENGTH random letters/digits not used by any user yet."""
    for _ in range(50):
        code = "".join(secrets.choice(AFF_ALPHABET) for _ in range(AFF_LENGTH))
        if not await users_repo.aff_code_taken(db, code):
            return code
    raise ApiError("could not allocate an invite code, please retry")


async def free_username(db: Store, preferred: str, prefix: str) -> str:
    """`preferred` when it is non-empty, at most MAX_USERNAME characters and unused (soft-deleted
    users included); otherwise `<prefix><n>` with n the largest user id + 1 (the reference's
    rule for names from OAuth providers), counting up past any taken one."""
    preferred = preferred.strip()
    if (
        preferred
        and len(preferred) <= MAX_USERNAME
        and await users_repo.get_user_by_username(db, preferred) is None
    ):
        return preferred
    n = await users_repo.max_user_id(db) + 1
    while await users_repo.get_user_by_username(db, f"{prefix}{n}") is not None:
        n += 1
    return f"{prefix}{n}"


def _taken_message(columns: tuple[str, ...], row: dict[str, Any]) -> str | None:
    names = {c.rpartition(".")[2] for c in columns}
    if "username" in names:
        return f"the username {row['username']!r} is already taken"
    if "aff_code" in names:
        return None  # draw another code
    return f"{', '.join(sorted(names)) or 'a value'} is already taken"


async def _insert(db: Store, row: dict[str, Any], inviter_id: int, reward: int) -> dict:
    """Insert the user and reward the inviter in one transaction; the email and provider ids
    are checked inside it too (the store does not make them unique), so two sign-ups cannot
    both take one."""
    for _ in range(_INSERT_TRIES):
        row["aff_code"] = await new_aff_code(db)
        try:
            async with db.transaction() as tx:
                if row.get("email") and await users_repo.email_taken(tx, row["email"]):
                    raise ApiError(f"the email {row['email']} is already taken")
                for column in users_repo.IDENTITY_COLUMNS & row.keys():
                    if row[column] and await users_repo.identity_taken(tx, column, row[column]):
                        raise ApiError(f"this {column} is already bound to another user")
                created = await users_repo.create_user(tx, row)
                if inviter_id:
                    await users_repo.reward_inviter(tx, inviter_id, reward)
                return created
        except DuplicateError as e:
            message = _taken_message(e.columns, row)
            if message is not None:
                raise ApiError(message, code="duplicate") from None
    raise ApiError("could not allocate an invite code, please retry")


async def register_user(
    request: web.Request,
    *,
    username: str,
    password_hash: str,
    email: str = "",
    display_name: str = "",
    inviter_aff_code: str = "",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Create a common user and return the stored row. The caller has validated the fields
    (and checked RegisterEnabled); a taken username, email or provider id is an ApiError naming
    it. `inviter_aff_code` is the inviter's own code: unknown codes are ignored (the reference
    does the same). `extra` holds further columns, such as {"github_id": "123"}.

    Money: the welcome quota (QuotaForNewUser, + QuotaForInvitee when invited) is the opening
    balance written with the row; the inviter's reward (QuotaForInviter) goes to its invite
    balance (aff_quota and aff_history), which is not a relay balance."""
    app = request.config_dict
    db, opts = app[MAIN_DB], app[OPTIONS]
    inviter = None
    if inviter_aff_code:
        inviter = await users_repo.get_user_by_aff_code(db, inviter_aff_code)
    new_user_quota = max(int(opts["QuotaForNewUser"]), 0)
    invitee_quota = max(int(opts["QuotaForInvitee"]), 0) if inviter else 0
    inviter_quota = max(int(opts["QuotaForInviter"]), 0) if inviter else 0
    row: dict[str, Any] = {
        "username": username,
        "password": password_hash,
        "display_name": display_name or username,
        "role": COMMON,
        "status": UserStatus.ENABLED,
        "email": email,
        "quota": new_user_quota + invitee_quota,
        "inviter_id": inviter["id"] if inviter else 0,
        "setting": default_setting(),
        "created_at": int(app[CLOCK]()),
        **(extra or {}),
    }
    created = await _insert(db, row, row["inviter_id"], inviter_quota)
    await app[CHANGES].publish(Change("user", created["id"]))
    if new_user_quota > 0:
        text = f"new user welcome quota: +{new_user_quota} quota"
        await audit.write_log(request, created, LogType.SYSTEM, text, quota=new_user_quota)
    if inviter is not None:
        if invitee_quota > 0:
            text = f"invite code reward: +{invitee_quota} quota"
            await audit.write_log(request, created, LogType.SYSTEM, text, quota=invitee_quota)
        if inviter_quota > 0:
            text = f"reward for inviting {username}: +{inviter_quota} invite quota"
            await audit.write_log(request, inviter, LogType.SYSTEM, text, quota=inviter_quota)
        await app[CHANGES].publish(Change("user", inviter["id"]))
    return created
