"""Generic INSERT/UPDATE builders for the repo modules. Column names come only from code
(callers whitelist them); values are always bound parameters."""

from __future__ import annotations

from typing import Any

from clawrouter.db.database import Database, Tx


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
