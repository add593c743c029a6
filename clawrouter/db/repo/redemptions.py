"""SQL for the redemptions table (top-up codes): admin lists and writes, and claiming a code
inside the ledger's credit transaction (marked used and credited atomically)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clawrouter.db.repo.rows import insert_row, like_escape, numeric_id, page, update_row
from clawrouter.db.store import Row, Store, Tx

ENABLED, DISABLED, USED = 1, 2, 3
_ALIVE = "deleted_at IS NULL"


class RedeemRefused(Exception):
    """The code cannot be redeemed (unknown, disabled, used or expired); nothing was written."""


async def page_redemptions(
    db: Store, offset: int, limit: int, *, keyword: str = ""
) -> tuple[list[Row], int]:
    """Newest first; `keyword` is a name prefix, or also the id when numeric."""
    clause, params = _ALIVE, []
    if keyword:
        cond, params = "name LIKE ? ESCAPE '!'", [like_escape(keyword) + "%"]
        if (kid := numeric_id(keyword)) is not None:
            cond, params = f"(id = ? OR {cond})", [kid, *params]
        clause = f"{_ALIVE} AND {cond}"
    return await page(db, "redemptions", clause, params, offset, limit)


async def get_redemption(db: Store, redemption_id: int) -> Row | None:
    return await db.fetchone(
        f"SELECT * FROM redemptions WHERE id = ? AND {_ALIVE}", (redemption_id,)
    )


async def insert_redemptions(db: Store, rows: Sequence[dict[str, Any]]) -> None:
    """All or nothing."""
    async with db.transaction() as tx:
        for row in rows:
            await insert_row(tx, "redemptions", row)


async def update_redemption(db: Store, redemption_id: int, fields: dict[str, Any]) -> int:
    return await update_row(db, "redemptions", redemption_id, fields)


async def soft_delete_redemption(db: Store, redemption_id: int, now: int) -> int:
    return await db.execute(
        f"UPDATE redemptions SET deleted_at = ? WHERE id = ? AND {_ALIVE}", (now, redemption_id)
    )


async def delete_invalid(db: Store, now: int) -> int:
    """Soft-delete used, disabled and expired codes; returns how many."""
    return await db.execute(
        f"UPDATE redemptions SET deleted_at = ? WHERE {_ALIVE} AND (status IN (?, ?)"
        " OR (status = ? AND expired_time <> 0 AND expired_time < ?))",
        (now, USED, DISABLED, ENABLED, now),
    )


async def claim_code(tx: Tx, key: str, user_id: int, now: int) -> Row:
    """Inside the ledger's credit transaction: check the code and mark it used (only if still
    enabled, so one of two concurrent redeems wins). Returns the code row as it was; raises
    RedeemRefused (the transaction then rolls back). The ledger adds the quota."""
    row = await tx.fetchone(f'SELECT * FROM redemptions WHERE "key" = ? AND {_ALIVE}', (key,))
    if row is None:
        raise RedeemRefused("invalid redemption code")
    if row["status"] != ENABLED:
        raise RedeemRefused("this redemption code has already been used or is disabled")
    if row["expired_time"] and row["expired_time"] < now:
        raise RedeemRefused("this redemption code has expired")
    claimed = await tx.execute(
        "UPDATE redemptions SET status = ?, redeemed_time = ?, used_user_id = ?"
        " WHERE id = ? AND status = ?",
        (USED, now, user_id, row["id"], ENABLED),
    )
    if claimed != 1:
        raise RedeemRefused("this redemption code has already been used or is disabled")
    return row
