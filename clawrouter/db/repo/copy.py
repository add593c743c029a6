"""SQL for `clawrouter db copy`: every table of both schemas, read in id order and written in
batches, then counted. Table names come only from the lists below."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from clawrouter.db.store import Row, Store

# Parents before children (abilities and the 2FA/passkey tables refer to channels and users).
MAIN_TABLES = (
    "users", "tokens", "channels", "abilities", "options", "redemptions", "top_ups", "vendors",
    "models", "prefill_groups", "tasks", "midjourneys", "two_fas", "two_fa_backup_codes",
    "passkey_credentials", "setups", "checkins", "verification_codes", "stored_responses",
)  # fmt: skip
LOG_TABLES = ("logs", "quota_data")
# Tables without an id column: small, read whole, in a stable order.
_KEYS = {
    "abilities": '"group", model, channel_id',
    "options": '"key"',
    "verification_codes": "purpose, subject",
    "stored_responses": "id",
}


async def count_rows(db: Store, table: str) -> int:
    return int(await db.fetchval(f"SELECT COUNT(*) FROM {table}") or 0)


async def read_rows(db: Store, table: str, batch: int) -> AsyncIterator[list[Row]]:
    """Every row of `table`, `batch` rows at a time (keyset pages on id)."""
    if table in _KEYS:
        rows = await db.fetchall(f"SELECT * FROM {table} ORDER BY {_KEYS[table]}")
        if rows:
            yield rows
        return
    last = None
    while True:
        if last is None:
            rows = await db.fetchall(f"SELECT * FROM {table} ORDER BY id LIMIT ?", (batch,))
        else:
            rows = await db.fetchall(
                f"SELECT * FROM {table} WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
            )
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]


async def write_rows(db: Store, table: str, rows: Sequence[Row]) -> None:
    """Insert rows as they are, ids included, in one transaction."""
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    async with db.transaction() as tx:
        await tx.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",
            [tuple(r[c] for c in columns) for r in rows],
        )
