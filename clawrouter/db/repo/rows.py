"""Generic INSERT/UPDATE/paged-SELECT builders for the repo modules. Table, column and ORDER BY
text comes only from code (callers whitelist it); values are always bound parameters."""

from __future__ import annotations

from typing import Any

from clawrouter.db.store import Row, Store, Tx


def _quoted(names: Any) -> str:
    return ", ".join(f'"{c}"' for c in names)


async def insert_row(db: Store | Tx, table: str, fields: dict[str, Any]) -> int:
    marks = ", ".join("?" for _ in fields)
    sql = f"INSERT INTO {table} ({_quoted(fields)}) VALUES ({marks})"
    return await db.insert(sql, tuple(fields.values()))


async def insert_returning(db: Store | Tx, table: str, fields: dict[str, Any]) -> Row:
    """INSERT ... RETURNING *: the new row as stored, read back inside the writing transaction
    (never from a reader, which could answer before it sees the commit)."""
    marks = ", ".join("?" for _ in fields)
    sql = f"INSERT INTO {table} ({_quoted(fields)}) VALUES ({marks}) RETURNING *"
    if not hasattr(db, "transaction"):  # already a Tx
        return (await db.fetchall(sql, tuple(fields.values())))[0]
    async with db.transaction() as tx:  # type: ignore[union-attr]
        return (await tx.fetchall(sql, tuple(fields.values())))[0]


async def update_row(db: Store | Tx, table: str, row_id: int, fields: dict[str, Any]) -> int:
    if not fields:
        return 0
    sets = ", ".join(f'"{c}" = ?' for c in fields)
    return await db.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*fields.values(), row_id))


def like_escape(text: str) -> str:
    """Escape LIKE wildcards with '!' (pair with ESCAPE '!')."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def numeric_id(text: str) -> int | None:
    """`text` as a row id when it is one (ASCII digits within SQLite's 64-bit range), else None.
    A search keyword that looks like an id also matches the id column; str.isdigit() alone
    would let '²' reach int() and a 20-digit number reach the driver (OverflowError)."""
    if text.isascii() and text.isdigit() and len(text) <= 19 and int(text) < 2**63:
        return int(text)
    return None


async def page(
    db: Store,
    table: str,
    clause: str,
    params: list[Any],
    offset: int,
    limit: int,
    *,
    order: str = "id DESC",
    columns: str = "*",
    count_cap: int = 0,
) -> tuple[list[Row], int]:
    """One page of `table` rows matching `clause`, and the matching total (stopping at
    count_cap when one is given)."""
    if count_cap:
        total = await db.fetchval(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {clause} LIMIT ?) AS capped",
            [*params, count_cap],
        )
    else:
        total = await db.fetchval(f"SELECT COUNT(*) FROM {table} WHERE {clause}", params)
    rows = await db.fetchall(
        f"SELECT {columns} FROM {table} WHERE {clause} ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return rows, int(total)
