"""SQL for channels and their abilities (one row per group x model x channel)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from clawrouter.db.database import Database, Row, Tx
from clawrouter.db.repo.rows import insert_row, update_row

COLUMNS = (
    "type", "key", "openai_organization", "test_model", "status", "name", "weight",
    "created_time", "test_time", "response_time", "base_url", "other", "balance",
    "balance_updated_time", "models", "group", "used_quota", "model_mapping",
    "status_code_mapping", "priority", "auto_ban", "other_info", "tag", "setting",
    "param_override", "header_override", "remark", "channel_info", "settings",
)  # fmt: skip


async def list_channels(db: Database) -> list[Row]:
    return await db.fetchall("SELECT * FROM channels ORDER BY id")


async def get_channel(db: Database, channel_id: int) -> Row | None:
    return await db.fetchone("SELECT * FROM channels WHERE id = ?", (channel_id,))


async def page_channels(
    db: Database, offset: int, limit: int, *, id_sort: bool, status: int | None, type_: int | None
) -> tuple[list[Row], int, dict[int, int]]:
    """One page (status 1 = enabled only, 0 = all others); type counts follow the status
    filter but not the type filter, as the console's type tabs expect."""
    by_status = {1: "status = 1", 0: "status <> 1"}.get(-1 if status is None else status, "1 = 1")
    where, params = [by_status], []
    if type_ is not None:
        where.append("type = ?")
        params.append(type_)
    clause = " AND ".join(where)
    order = "id DESC" if id_sort else "priority DESC, id DESC"
    total = await db.fetchval(f"SELECT COUNT(*) FROM channels WHERE {clause}", params)
    rows = await db.fetchall(
        f"SELECT * FROM channels WHERE {clause} ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    counts = await db.fetchall(
        f"SELECT type, COUNT(*) AS n FROM channels WHERE {by_status} GROUP BY type"
    )
    return rows, int(total), {r["type"]: r["n"] for r in counts}


def ability_rows(channel_id: int, row: dict[str, Any]) -> list[tuple]:
    models = [m.strip() for m in (row.get("models") or "").split(",") if m.strip()]
    groups = [g.strip() for g in (row.get("group") or "").split(",") if g.strip()]
    enabled = 1 if row.get("status") == 1 else 0
    seen, out = set(), []
    for g in groups:
        for m in models:
            if (g, m) not in seen:
                seen.add((g, m))
                out.append(
                    (g, m, channel_id, enabled, row.get("priority") or 0, row.get("weight") or 0,
                     row.get("tag"))
                )  # fmt: skip
    return out


async def _write_abilities(tx: Tx, channel_id: int, row: dict[str, Any]) -> None:
    await tx.execute("DELETE FROM abilities WHERE channel_id = ?", (channel_id,))
    await tx.executemany(
        'INSERT INTO abilities ("group", model, channel_id, enabled, priority, weight, tag)'
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        ability_rows(channel_id, row),
    )


async def insert_channels(db: Database, rows: Iterable[dict[str, Any]]) -> list[int]:
    ids = []
    async with db.transaction() as tx:
        for row in rows:
            cid = await insert_row(tx, "channels", row)
            await _write_abilities(tx, cid, row)
            ids.append(cid)
    return ids


async def update_channel(db: Database, channel_id: int, fields: dict[str, Any]) -> Row | None:
    async with db.transaction() as tx:
        await update_row(tx, "channels", channel_id, fields)
        row = await tx.fetchone("SELECT * FROM channels WHERE id = ?", (channel_id,))
        if row is not None:
            await _write_abilities(tx, channel_id, row)
    return row


async def delete_channels(db: Database, ids: list[int]) -> int:
    if not ids:
        return 0
    marks = ", ".join("?" for _ in ids)
    async with db.transaction() as tx:
        await tx.execute(f"DELETE FROM abilities WHERE channel_id IN ({marks})", ids)
        return await tx.execute(f"DELETE FROM channels WHERE id IN ({marks})", ids)


async def set_status(
    db: Database, channel_id: int, status: int, other_info: str, channel_info: str | None = None
) -> None:
    async with db.transaction() as tx:
        if channel_info is None:
            await tx.execute(
                "UPDATE channels SET status = ?, other_info = ? WHERE id = ?",
                (status, other_info, channel_id),
            )
        else:
            await tx.execute(
                "UPDATE channels SET status = ?, other_info = ?, channel_info = ? WHERE id = ?",
                (status, other_info, channel_info, channel_id),
            )
        await tx.execute(
            "UPDATE abilities SET enabled = ? WHERE channel_id = ?", (int(status == 1), channel_id)
        )
