"""Generic INSERT/UPDATE/paged-SELECT builders for the repo modules. Table, column and ORDER BY
text comes only from code (callers whitelist it); values are always bound parameters."""

from __future__ import annotations

from typing import Any

from clawrouter.db.database import Database, Row, Tx


def _quoted(names: Any) -> str:
    return ", ".join(f'"{c}"' for c in names)


async def insert_row(db: Database | Tx, table: str, fields: dict[str, Any]) -> int:
    marks = ", ".join("?" for _ in fields)
    sql = f"INSERT INTO {table} ({_quoted(fields)}) VALUES ({marks})"
    return await db.insert(sql, tuple(fields.values()))


async def update_row(db: Database | Tx, table: str, row_id: int, fields: dict[str, Any]) -> int:
    if not fields:
        return 0
    sets = ", ".join(f'"{c}" = ?' for c in fields)
    return await db.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*fields.values(), row_id))


def like_escape(text: str) -> str:
    """Escape LIKE wildcards with '!' (pair with ESCAPE '!')."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


async def page(
    db: Database,
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
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {clause} LIMIT ?)",
            [*params, count_cap],
        )
    else:
        total = await db.fetchval(f"SELECT COUNT(*) FROM {table} WHERE {clause}", params)
    rows = await db.fetchall(
        f"SELECT {columns} FROM {table} WHERE {clause} ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return rows, int(total)
