"""SQL for the options table."""

from __future__ import annotations

from collections.abc import Mapping

from clawrouter.db.store import Store

_UPSERT = (
    'INSERT INTO options ("key", value) VALUES (?, ?) '
    'ON CONFLICT ("key") DO UPDATE SET value = excluded.value'
)


async def list_options(db: Store) -> dict[str, str]:
    rows = await db.fetchall('SELECT "key", value FROM options')
    return {r["key"]: r["value"] for r in rows}


async def upsert_option(db: Store, key: str, value: str) -> None:
    await db.execute(_UPSERT, (key, value))


async def upsert_options(db: Store, values: Mapping[str, str]) -> None:
    async with db.transaction() as tx:
        await tx.executemany(_UPSERT, list(values.items()))


async def delete_options(db: Store, keys: list[str]) -> None:
    async with db.transaction() as tx:
        await tx.executemany('DELETE FROM options WHERE "key" = ?', [(k,) for k in keys])
