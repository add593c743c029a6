"""SQL for the setups table (first-run initialisation marker)."""

from __future__ import annotations

from clawrouter.db.store import Store, Tx


async def is_initialised(db: Store | Tx) -> bool:
    return await db.fetchval("SELECT COUNT(*) FROM setups") > 0


async def insert_setup(tx: Tx, version: str, now: int) -> None:
    await tx.execute("INSERT INTO setups (version, initialized_at) VALUES (?, ?)", (version, now))
