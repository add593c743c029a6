"""SQL for prefill groups (named lists of models, tags or endpoints the console offers when
filling forms). Names are unique among live rows; deletes are soft."""

from __future__ import annotations

from typing import Any

from clawrouter.db.store import Row, Store, Tx

_COLUMNS = "id, name, type, items, description, created_time, updated_time"
_TAKEN = "SELECT 1 FROM prefill_groups WHERE name = ? AND deleted_at IS NULL AND id <> ?"


async def list_prefill_groups(db: Store, type_: str = "") -> list[Row]:
    sql = f"SELECT {_COLUMNS} FROM prefill_groups WHERE deleted_at IS NULL"
    params: list[Any] = []
    if type_:
        sql += " AND type = ?"
        params.append(type_)
    return await db.fetchall(sql + " ORDER BY id", params)


async def _get(tx: Tx, group_id: int) -> Row | None:
    return await tx.fetchone(
        f"SELECT {_COLUMNS} FROM prefill_groups WHERE id = ? AND deleted_at IS NULL", (group_id,)
    )


async def insert_prefill_group(db: Store, fields: dict[str, Any]) -> Row | None:
    """The new row, or None when a live group already has the name."""
    async with db.transaction() as tx:
        if await tx.fetchone(_TAKEN, (fields["name"], 0)):
            return None
        cols = ", ".join(fields)
        new_id = await tx.insert(
            f"INSERT INTO prefill_groups ({cols}) VALUES ({', '.join('?' for _ in fields)})",
            list(fields.values()),
        )
        return await _get(tx, new_id)


async def update_prefill_group(
    db: Store, group_id: int, fields: dict[str, Any]
) -> tuple[Row | None, bool]:
    """(updated row or None when absent, name_taken)."""
    async with db.transaction() as tx:
        if await _get(tx, group_id) is None:
            return None, False
        if "name" in fields and await tx.fetchone(_TAKEN, (fields["name"], group_id)):
            return None, True
        sets = ", ".join(f"{c} = ?" for c in fields)
        await tx.execute(
            f"UPDATE prefill_groups SET {sets} WHERE id = ?", [*fields.values(), group_id]
        )
        return await _get(tx, group_id), False


async def delete_prefill_group(db: Store, group_id: int, now: int) -> int:
    return await db.execute(
        "UPDATE prefill_groups SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
        (now, group_id),
    )
