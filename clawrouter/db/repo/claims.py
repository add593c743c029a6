"""SQL for the claims table (clawrouter/claims.py): set-if-absent with an expiry, renewed or
released only by the holder that made it. Expired rows are swept by every claim."""

from __future__ import annotations

from clawrouter.db.store import Store


async def claim(db: Store, name: str, holder: str, now: int, expires_at: int) -> bool:
    """True when `name` was free (absent or expired) and is now held by `holder`."""
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM claims WHERE expires_at <= ?", (now,))
        return (
            await tx.execute(
                "INSERT INTO claims (name, holder, expires_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO NOTHING",
                (name, holder, expires_at),
            )
            == 1
        )


async def renew(db: Store, name: str, holder: str, now: int, expires_at: int) -> bool:
    """Move a live claim's expiry; False when `holder` no longer holds it."""
    changed = await db.execute(
        "UPDATE claims SET expires_at = ? WHERE name = ? AND holder = ? AND expires_at > ?",
        (expires_at, name, holder, now),
    )
    return changed == 1


async def release(db: Store, name: str, holder: str) -> None:
    await db.execute("DELETE FROM claims WHERE name = ? AND holder = ?", (name, holder))


async def holder(db: Store, name: str, now: int) -> str | None:
    """Who holds `name` now (None when nobody does)."""
    row = await db.fetchone(
        "SELECT holder FROM claims WHERE name = ? AND expires_at > ?", (name, now)
    )
    return None if row is None else str(row["holder"])
