"""SQL for `import-newapi`: rows written with the ids (or keys) they had in new-api, so a second
run updates in place. Table and column names come only from clawrouter/newapi/mapping.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clawrouter.db.store import Row, Store

_CHUNK = 500  # bound parameters per IN (...) list


def _q(names: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in names)


async def rows_by_id(db: Store, table: str, ids: Sequence[Any]) -> dict[Any, Row]:
    out: dict[Any, Row] = {}
    for i in range(0, len(ids), _CHUNK):
        part = list(ids[i : i + _CHUNK])
        marks = ", ".join("?" for _ in part)
        for row in await db.fetchall(f"SELECT * FROM {table} WHERE id IN ({marks})", part):
            out[row["id"]] = row
    return out


async def ids_present(db: Store, table: str, ids: Sequence[Any]) -> set[Any]:
    out: set[Any] = set()
    for i in range(0, len(ids), _CHUNK):
        part = list(ids[i : i + _CHUNK])
        marks = ", ".join("?" for _ in part)
        rows = await db.fetchall(f"SELECT id FROM {table} WHERE id IN ({marks})", part)
        out.update(r["id"] for r in rows)
    return out


async def holders(
    db: Store, table: str, column: str, values: Sequence[Any], *, alive_only: bool
) -> dict[Any, Any]:
    """value -> id of the row holding it, for the values some row of `table` holds."""
    out: dict[Any, Any] = {}
    alive = " AND deleted_at IS NULL" if alive_only else ""
    for i in range(0, len(values), _CHUNK):
        part = list(values[i : i + _CHUNK])
        marks = ", ".join("?" for _ in part)
        sql = f'SELECT id, "{column}" AS v FROM {table} WHERE "{column}" IN ({marks}){alive}'
        for row in await db.fetchall(sql, part):
            out[row["v"]] = row["id"]
    return out


async def channel_ids(db: Store) -> set[int]:
    return {r["id"] for r in await db.fetchall("SELECT id FROM channels")}


async def abilities_of(db: Store, channel_ids_: Sequence[int]) -> list[Row]:
    out: list[Row] = []
    for i in range(0, len(channel_ids_), _CHUNK):
        part = list(channel_ids_[i : i + _CHUNK])
        marks = ", ".join("?" for _ in part)
        out += await db.fetchall(f"SELECT * FROM abilities WHERE channel_id IN ({marks})", part)
    return out


async def upsert_rows(
    db: Store, table: str, key: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    """INSERT each row, or UPDATE the columns it has where its key exists; one transaction.
    Rows are grouped by their column sets (a column left out keeps its stored value)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    async with db.transaction() as tx:
        for cols, group in groups.items():
            sets = ", ".join(f'"{c}" = excluded."{c}"' for c in cols if c not in key)
            action = f"DO UPDATE SET {sets}" if sets else "DO NOTHING"
            marks = ", ".join("?" for _ in cols)
            sql = (
                f"INSERT INTO {table} ({_q(cols)}) VALUES ({marks})"
                f" ON CONFLICT ({_q(key)}) {action}"
            )
            await tx.executemany(sql, [tuple(r[c] for c in cols) for r in group])


async def insert_new(db: Store, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT rows whose id is not there yet (log rows never change once written)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    async with db.transaction() as tx:
        for cols, group in groups.items():
            marks = ", ".join("?" for _ in cols)
            sql = f"INSERT INTO {table} ({_q(cols)}) VALUES ({marks}) ON CONFLICT (id) DO NOTHING"
            await tx.executemany(sql, [tuple(r[c] for c in cols) for r in group])


async def replace_abilities(
    db: Store, channel_ids_: Sequence[int], rows: Sequence[dict[str, Any]]
) -> None:
    """The abilities of these channels become exactly `rows`."""
    async with db.transaction() as tx:
        for i in range(0, len(channel_ids_), _CHUNK):
            part = list(channel_ids_[i : i + _CHUNK])
            marks = ", ".join("?" for _ in part)
            await tx.execute(f"DELETE FROM abilities WHERE channel_id IN ({marks})", part)
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(tuple(row), []).append(row)
        for cols, group in groups.items():
            marks = ", ".join("?" for _ in cols)
            await tx.executemany(
                f"INSERT INTO abilities ({_q(cols)}) VALUES ({marks})",
                [tuple(r[c] for c in cols) for r in group],
            )
