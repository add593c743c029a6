"""SQL for the tokens table (relay API keys, stored without the sk- prefix)."""

from __future__ import annotations

from typing import Any

from clawrouter.db.repo.rows import insert_row, update_row
from clawrouter.db.store import Row, Store, Tx

COLUMNS = (
    "user_id", "key", "status", "name", "created_time", "accessed_time", "expired_time",
    "remain_quota", "unlimited_quota", "model_limits_enabled", "model_limits", "allow_ips",
    "used_quota", "group", "cross_group_retry", "auto_groups",
)  # fmt: skip
BALANCES = frozenset({"remain_quota", "used_quota"})  # written only through relay.ledger


async def list_live_tokens(db: Store) -> list[Row]:
    return await db.fetchall("SELECT * FROM tokens WHERE deleted_at IS NULL")


async def page_live_tokens(db: Store, after_id: int, limit: int) -> list[Row]:
    """Live keys with ids above `after_id`, by id (the relay's resync reads them in pages)."""
    return await db.fetchall(
        "SELECT * FROM tokens WHERE deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?",
        (after_id, limit),
    )


async def get_token(db: Store, token_id: int, user_id: int | None = None) -> Row | None:
    if user_id is None:
        sql, params = "SELECT * FROM tokens WHERE id = ? AND deleted_at IS NULL", (token_id,)
    else:
        sql = "SELECT * FROM tokens WHERE id = ? AND user_id = ? AND deleted_at IS NULL"
        params = (token_id, user_id)
    return await db.fetchone(sql, params)


async def get_token_by_key(db: Store, key: str) -> Row | None:
    return await db.fetchone('SELECT * FROM tokens WHERE "key" = ? AND deleted_at IS NULL', (key,))


async def count_user_tokens(db: Store, user_id: int) -> int:
    return int(
        await db.fetchval(
            "SELECT COUNT(*) FROM tokens WHERE user_id = ? AND deleted_at IS NULL", (user_id,)
        )
    )


async def list_user_tokens(
    db: Store, user_id: int, offset: int, limit: int, *, name: str = "", key: str = ""
) -> tuple[list[Row], int]:
    where, params = ["user_id = ?", "deleted_at IS NULL"], [user_id]
    if name:
        where.append("name LIKE ? ESCAPE '!'")
        params.append(name)
    if key:
        where.append("\"key\" LIKE ? ESCAPE '!'")
        params.append(key)
    clause = " AND ".join(where)
    total = await db.fetchval(f"SELECT COUNT(*) FROM tokens WHERE {clause}", params)
    rows = await db.fetchall(
        f"SELECT * FROM tokens WHERE {clause} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return rows, int(total)


async def insert_token(db: Store, fields: dict[str, Any]) -> int:
    return await insert_row(db, "tokens", fields)


async def create_token(db: Store, fields: dict[str, Any], limit: int) -> int | None:
    """Insert a key unless its user already has `limit` live keys (counted in the same write
    transaction, so concurrent creates cannot overshoot); returns the new id or None."""
    async with db.transaction() as tx:
        count = await tx.fetchval(
            "SELECT COUNT(*) FROM tokens WHERE user_id = ? AND deleted_at IS NULL",
            (fields["user_id"],),
        )
        if count >= limit:
            return None
        return await insert_row(tx, "tokens", fields)


async def update_token(db: Store | Tx, token_id: int, fields: dict[str, Any]) -> int:
    """Any columns but the balances (relay.ledger sets those, exactly)."""
    if BALANCES & fields.keys():
        raise ValueError(f"{sorted(BALANCES & fields.keys())} change only through the ledger")
    return await update_row(db, "tokens", token_id, fields)


async def set_remain_quota(tx: Tx, token_id: int, remain: int) -> int:
    """For relay.ledger only, which first applies the key's unflushed charges."""
    return await tx.execute("UPDATE tokens SET remain_quota = ? WHERE id = ?", (remain, token_id))


async def soft_delete_tokens(db: Store, user_id: int, ids: list[int], now: int) -> int:
    if not ids:
        return 0
    marks = ", ".join("?" for _ in ids)
    return await db.execute(
        "UPDATE tokens SET deleted_at = ? WHERE user_id = ? AND deleted_at IS NULL"
        f" AND id IN ({marks})",
        (now, user_id, *ids),
    )


async def set_status(db: Store, token_id: int, status: int) -> None:
    await db.execute("UPDATE tokens SET status = ? WHERE id = ?", (status, token_id))


async def get_user_tokens(db: Store, user_id: int, ids: list[int]) -> list[Row]:
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    return await db.fetchall(
        f"SELECT * FROM tokens WHERE user_id = ? AND deleted_at IS NULL AND id IN ({marks})",
        (user_id, *ids),
    )
