"""SQL for the changes table: the change feed between processes on one store
(changes/sql_feed.py). Rows carry a change's kind and ids as JSON text, never values."""

from __future__ import annotations

from clawrouter.db.store import Row, Store

# PostgreSQL: one transaction-scoped advisory lock around each insert, so identity values are
# handed out in commit order (a reader that saw id N never later finds a smaller id committed).
# SQLite has one writer at a time already. The number is arbitrary and only ours.
_PG_LOCK = 7_151_100_311


async def insert_change(db: Store, origin: str, kind: str, ids: str, now: int) -> int:
    async with db.transaction() as tx:
        if tx.dialect.name == "postgresql":
            await tx.execute(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")
        return await tx.insert(
            "INSERT INTO changes (origin, kind, ids, created_at) VALUES (?, ?, ?, ?)",
            (origin, kind, ids, now),
        )


async def last_change_id(db: Store) -> int:
    return int(await db.fetchval("SELECT MAX(id) FROM changes") or 0)


async def list_changes_after(db: Store, after: int, limit: int) -> list[Row]:
    return await db.fetchall(
        "SELECT id, origin, kind, ids FROM changes WHERE id > ? ORDER BY id LIMIT ?",
        (after, limit),
    )


async def delete_changes_before(db: Store, before: int) -> int:
    return await db.execute("DELETE FROM changes WHERE created_at < ?", (before,))
