"""SQL for the provider ids on users (github_id, discord_id, oidc_id, linux_do_id, wechat_id,
telegram_id): who holds one, and binding one to a user unless another user holds it."""

from __future__ import annotations

from clawrouter.db.store import Row, Store

ID_COLUMNS = frozenset(
    {"github_id", "discord_id", "oidc_id", "wechat_id", "telegram_id", "linux_do_id"}
)


def _column(column: str) -> str:
    if column not in ID_COLUMNS:
        raise ValueError(f"{column!r} is not a provider id column")
    return column


async def find_by_provider_id(db: Store, column: str, value: str) -> Row | None:
    """The user bound to this provider id, soft-deleted ones included (a live one first)."""
    if not value:
        return None
    return await db.fetchone(
        f"SELECT * FROM users WHERE {_column(column)} = ?"
        " ORDER BY deleted_at IS NOT NULL, id LIMIT 1",
        (value,),
    )


async def bind_provider_id(db: Store, user_id: int, column: str, value: str) -> bool:
    """Set the user's provider id unless another user (soft-deleted ones too) holds it; the
    check and the write are one transaction, so two binds cannot share an id."""
    col = _column(column)
    async with db.transaction() as tx:
        other = await tx.fetchval(
            f"SELECT id FROM users WHERE {col} = ? AND id <> ? LIMIT 1", (value, user_id)
        )
        if other is not None:
            return False
        await tx.execute(f"UPDATE users SET {col} = ? WHERE id = ?", (value, user_id))
        return True
