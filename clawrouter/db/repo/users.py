"""SQL for the users table."""

from __future__ import annotations

import hashlib
from typing import Any

from clawrouter.db.repo.rows import (
    insert_returning,
    insert_row,
    like_escape,
    numeric_id,
    page,
    update_row,
)
from clawrouter.db.store import Row, Store, Tx
from clawrouter.wire.status import Role

BALANCES = frozenset({"quota", "used_quota", "request_count"})  # written only via relay.ledger


async def get_user(db: Store, user_id: int, *, with_deleted: bool = False) -> Row | None:
    alive = "" if with_deleted else " AND deleted_at IS NULL"
    return await db.fetchone(f"SELECT * FROM users WHERE id = ?{alive}", (user_id,))


async def get_user_for_login(db: Store, name: str) -> Row | None:
    """By username, or by email when it is non-empty (the reference allows either)."""
    return await db.fetchone(
        "SELECT * FROM users WHERE deleted_at IS NULL"
        " AND (username = ? OR (email <> '' AND email = ?)) ORDER BY id LIMIT 1",
        (name, name),
    )


async def get_user_by_username(db: Store, username: str) -> Row | None:
    return await db.fetchone("SELECT * FROM users WHERE username = ?", (username,))


def access_token_digest(token: str) -> str:
    """Access tokens are stored as their SHA-256 (hex): a copy of the database does not hold a
    usable token, and the lookup compares digests, never the secret itself. A header's bytes
    that are not UTF-8 (kept as surrogates) hash as they came: such a token matches nothing."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


async def get_user_by_access_token(db: Store, token: str) -> Row | None:
    return await db.fetchone(
        "SELECT * FROM users WHERE access_token = ? AND deleted_at IS NULL",
        (access_token_digest(token),),
    )


async def root_exists(db: Store) -> bool:
    return bool(await db.fetchval("SELECT COUNT(*) FROM users WHERE role >= ?", (Role.ROOT,)))


async def insert_user(tx: Tx | Store, fields: dict[str, Any]) -> int:
    return await insert_row(tx, "users", fields)


async def create_user(db: Tx | Store, fields: dict[str, Any]) -> Row:
    """Insert and return the stored row (raises DuplicateError for a taken username or code)."""
    return await insert_returning(db, "users", fields)


async def update_user(db: Store | Tx, user_id: int, fields: dict[str, Any]) -> int:
    """Any columns but the balances (relay.ledger sets those, exactly)."""
    if BALANCES & fields.keys():
        raise ValueError(f"{sorted(BALANCES & fields.keys())} change only through the ledger")
    return await update_row(db, "users", user_id, fields)


async def set_last_login(db: Store, user_id: int, now: int) -> None:
    await db.execute("UPDATE users SET last_login_at = ? WHERE id = ?", (now, user_id))


async def end_sessions(db: Store, user_id: int) -> int:
    """End every login session of the user (their cookies carry an older session_version) and
    revoke the access token; returns the new session_version."""
    async with db.transaction() as tx:
        return int(
            await tx.fetchval(
                "UPDATE users SET session_version = session_version + 1, access_token = NULL"
                " WHERE id = ? RETURNING session_version",
                (user_id,),
            )
            or 0
        )


async def set_access_token(db: Store, user_id: int, token: str) -> None:
    """Store the token's digest (the caller shows the token once)."""
    await db.execute(
        "UPDATE users SET access_token = ? WHERE id = ?", (access_token_digest(token), user_id)
    )


async def set_password(db: Store, user_id: int, password_hash: str) -> int:
    """Set the password and, in the same transaction, end every session of the user and revoke
    the access token (as end_sessions); returns the new session_version, 0 for no such user."""
    async with db.transaction() as tx:
        return int(
            await tx.fetchval(
                "UPDATE users SET password = ?, session_version = session_version + 1,"
                " access_token = NULL WHERE id = ? RETURNING session_version",
                (password_hash, user_id),
            )
            or 0
        )


async def list_live_users(db: Store) -> list[Row]:
    return await db.fetchall("SELECT * FROM users WHERE deleted_at IS NULL")


async def page_live_users(db: Store, after_id: int, limit: int) -> list[Row]:
    """Live users with ids above `after_id`, by id (the relay's resync reads them in pages)."""
    return await db.fetchall(
        "SELECT * FROM users WHERE deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?",
        (after_id, limit),
    )


async def page_users(
    db: Store, offset: int, limit: int, *, keyword: str = "", group: str = ""
) -> tuple[list[Row], int]:
    """Every user, soft-deleted ones included, newest first; `keyword` matches username,
    email or display name (and the id when numeric), `group` exactly."""
    where: list[str] = []
    params: list[Any] = []
    if keyword:
        like = f"%{like_escape(keyword)}%"
        cond = "username LIKE ? ESCAPE '!' OR email LIKE ? ESCAPE '!'"
        cond += " OR display_name LIKE ? ESCAPE '!'"
        params += [like, like, like]
        if (kid := numeric_id(keyword)) is not None:
            cond += " OR id = ?"
            params.append(kid)
        where.append(f"({cond})")
    if group:
        where.append('"group" = ?')
        params.append(group)
    return await page(db, "users", " AND ".join(where) or "1 = 1", params, offset, limit)


async def aff_code_taken(db: Store, code: str) -> bool:
    return bool(await db.fetchval("SELECT COUNT(*) FROM users WHERE aff_code = ?", (code,)))


async def take_aff_quota(tx: Tx, user_id: int, amount: int) -> bool:
    """Take `amount` from the invite rewards, only if that much is there (the claim of the
    ledger's credit that moves it into the balance)."""
    changed = await tx.execute(
        "UPDATE users SET aff_quota = aff_quota - ? WHERE id = ? AND aff_quota >= ?",
        (amount, user_id, amount),
    )
    return changed == 1


async def set_aff_code_if_empty(db: Store, user_id: int, code: str) -> int:
    return await db.execute(
        "UPDATE users SET aff_code = ? WHERE id = ? AND (aff_code IS NULL OR aff_code = '')",
        (code, user_id),
    )


async def hard_delete_user(db: Store, user_id: int, now: int) -> int:
    """Remove the user row for good; their API keys are soft-deleted with it."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE tokens SET deleted_at = ? WHERE user_id = ? AND deleted_at IS NULL",
            (now, user_id),
        )
        return await tx.execute("DELETE FROM users WHERE id = ?", (user_id,))


async def soft_delete_user(db: Store, user_id: int, now: int) -> int:
    return await db.execute(
        "UPDATE users SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL", (now, user_id)
    )


async def change_quota(tx: Tx, user_id: int, delta: int) -> int:
    """For relay.ledger only."""
    return await tx.execute("UPDATE users SET quota = quota + ? WHERE id = ?", (delta, user_id))


async def set_quota(tx: Tx, user_id: int, quota: int) -> int:
    """For relay.ledger only, which first applies the user's unflushed charges."""
    return await tx.execute("UPDATE users SET quota = ? WHERE id = ?", (quota, user_id))


# ---- registration, invites, email (auth.signup, api.signup) -------------------------------------
IDENTITY_COLUMNS = frozenset(
    {"github_id", "discord_id", "oidc_id", "wechat_id", "telegram_id", "linux_do_id"}
)


async def get_user_by_aff_code(db: Store | Tx, code: str) -> Row | None:
    """The live user whose own invite code is `code`."""
    return await db.fetchone(
        "SELECT * FROM users WHERE aff_code = ? AND deleted_at IS NULL", (code,)
    )


async def get_user_by_email(db: Store, email: str) -> Row | None:
    """The live user with this email (compared case-insensitively), the oldest first."""
    return await db.fetchone(
        "SELECT * FROM users WHERE email <> '' AND lower(email) = lower(?)"
        " AND deleted_at IS NULL ORDER BY id LIMIT 1",
        (email,),
    )


async def email_taken(db: Store | Tx, email: str, *, except_id: int = 0) -> bool:
    """Whether any user but `except_id`, soft-deleted ones included, has this email."""
    return bool(
        await db.fetchval(
            "SELECT COUNT(*) FROM users WHERE email <> '' AND lower(email) = lower(?) AND id <> ?",
            (email, except_id),
        )
    )


async def identity_taken(db: Store | Tx, column: str, value: str) -> bool:
    """Whether a user, soft-deleted ones included, is bound to this provider id."""
    if column not in IDENTITY_COLUMNS:
        raise ValueError(f"{column!r} is not a provider id column")
    return bool(await db.fetchval(f"SELECT COUNT(*) FROM users WHERE {column} = ?", (value,)))


async def max_user_id(db: Store) -> int:
    return int(await db.fetchval("SELECT COALESCE(MAX(id), 0) FROM users") or 0)


async def reward_inviter(tx: Tx, inviter_id: int, reward: int) -> int:
    """One more invitee; the reward goes to the invite balance (aff_quota, not quota)."""
    return await tx.execute(
        "UPDATE users SET aff_count = aff_count + 1, aff_quota = aff_quota + ?,"
        " aff_history = aff_history + ? WHERE id = ?",
        (reward, reward, inviter_id),
    )


async def set_email_if_free(db: Store, user_id: int, email: str) -> bool:
    """Bind `email` to the user unless another user (soft-deleted ones too) has it; the check
    and the write are one transaction, so two binds cannot share an address."""
    async with db.transaction() as tx:
        if await email_taken(tx, email, except_id=user_id):
            return False
        await tx.execute("UPDATE users SET email = ? WHERE id = ?", (email, user_id))
        return True
