"""SQL for channels and their abilities (one row per group x model x channel)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from clawrouter.db.repo.rows import insert_row, like_escape, page, update_row
from clawrouter.db.store import Row, Store, Tx

COLUMNS = (
    "type", "key", "openai_organization", "test_model", "status", "name", "weight",
    "created_time", "test_time", "response_time", "base_url", "other", "balance",
    "balance_updated_time", "models", "group", "used_quota", "model_mapping",
    "status_code_mapping", "priority", "auto_ban", "other_info", "tag", "setting",
    "param_override", "header_override", "remark", "channel_info", "settings",
)  # fmt: skip


async def list_channels(db: Store) -> list[Row]:
    return await db.fetchall("SELECT * FROM channels ORDER BY id")


async def channels_after(db: Store, after_id: int, limit: int) -> list[Row]:
    """Channels with ids above `after_id`, by id (the relay's resync reads them in pages)."""
    return await db.fetchall(
        "SELECT * FROM channels WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
    )


async def get_channel(db: Store, channel_id: int) -> Row | None:
    return await db.fetchone("SELECT * FROM channels WHERE id = ?", (channel_id,))


async def page_channels(
    db: Store, offset: int, limit: int, *, id_sort: bool, status: int | None, type_: int | None
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
    rows, total = await page(db, "channels", clause, params, offset, limit, order=order)
    counts = await db.fetchall(
        f"SELECT type, COUNT(*) AS n FROM channels WHERE {by_status} GROUP BY type"
    )
    return rows, total, {r["type"]: r["n"] for r in counts}


async def page_channel_tags(
    db: Store, offset: int, limit: int, *, status: int | None, type_: int | None
) -> tuple[list[Row], int]:
    """Tag mode: one page of distinct non-empty tags (by name) and every channel carrying
    them; the total counts tags, not channels."""
    by_status = {1: "status = 1", 0: "status <> 1"}.get(-1 if status is None else status, "1 = 1")
    where, params = [by_status, "tag IS NOT NULL", "tag <> ''"], []
    if type_ is not None:
        where.append("type = ?")
        params.append(type_)
    clause = " AND ".join(where)
    total = await db.fetchval(f"SELECT COUNT(DISTINCT tag) FROM channels WHERE {clause}", params)
    tags = await db.fetchall(
        f"SELECT DISTINCT tag FROM channels WHERE {clause} ORDER BY tag LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    names = [t["tag"] for t in tags]
    if not names:
        return [], int(total or 0)
    marks = ", ".join("?" for _ in names)
    rows = await db.fetchall(
        f"SELECT * FROM channels WHERE {clause} AND tag IN ({marks})"
        " ORDER BY tag, priority DESC, id DESC",
        [*params, *names],
    )
    return rows, int(total or 0)


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


async def insert_channels(db: Store, rows: Iterable[dict[str, Any]]) -> list[int]:
    ids = []
    async with db.transaction() as tx:
        for row in rows:
            cid = await insert_row(tx, "channels", row)
            await _write_abilities(tx, cid, row)
            ids.append(cid)
    return ids


async def update_channel(db: Store, channel_id: int, fields: dict[str, Any]) -> Row | None:
    async with db.transaction() as tx:
        await update_row(tx, "channels", channel_id, fields)
        row = await tx.fetchone("SELECT * FROM channels WHERE id = ?", (channel_id,))
        if row is not None:
            await _write_abilities(tx, channel_id, row)
    return row


async def delete_channels(db: Store, ids: list[int]) -> int:
    if not ids:
        return 0
    marks = ", ".join("?" for _ in ids)
    async with db.transaction() as tx:
        await tx.execute(f"DELETE FROM abilities WHERE channel_id IN ({marks})", ids)
        return await tx.execute(f"DELETE FROM channels WHERE id IN ({marks})", ids)


async def set_status(
    db: Store, channel_id: int, status: int, other_info: str, channel_info: str | None = None
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


# ---- search, bulk and tag operations ------------------------------------------------------------
async def search_channels(
    db: Store, *, keyword: str, group: str, model: str, status: int | None, id_sort: bool
) -> list[Row]:
    """Channels matching keyword (id, name, base_url substring or the exact key), group and
    model substring and the status filter (1 enabled, 0 any other)."""
    where, params = ["1 = 1"], []
    if keyword:
        kw = f"%{like_escape(keyword)}%"
        where.append(
            "(CAST(id AS TEXT) = ? OR name LIKE ? ESCAPE '!' OR \"key\" = ?"
            " OR base_url LIKE ? ESCAPE '!')"
        )
        params += [keyword, kw, keyword, kw]
    if model:
        where.append("models LIKE ? ESCAPE '!'")
        params.append(f"%{like_escape(model)}%")
    if group:
        where.append("(',' || \"group\" || ',') LIKE ? ESCAPE '!'")
        params.append(f"%,{like_escape(group)},%")
    if status is not None:
        where.append("status = 1" if status == 1 else "status <> 1")
    order = "id DESC" if id_sort else "priority DESC, id DESC"
    return await db.fetchall(
        f"SELECT * FROM channels WHERE {' AND '.join(where)} ORDER BY {order}", params
    )


async def ids_where(db: Store, *, tag: str | None = None, disabled: bool = False) -> list[int]:
    """Ids of the channels carrying `tag`, or of every disabled (status 2 or 3) channel."""
    if tag is not None:
        rows = await db.fetchall("SELECT id FROM channels WHERE tag = ?", (tag,))
    elif disabled:
        rows = await db.fetchall("SELECT id FROM channels WHERE status IN (2, 3)")
    else:
        rows = await db.fetchall("SELECT id FROM channels")
    return [r["id"] for r in rows]


async def update_channels(db: Store, ids: list[int], fields: dict[str, Any]) -> int:
    """Write the same fields to several channels and rebuild their abilities."""
    count = 0
    async with db.transaction() as tx:
        for cid in ids:
            count += await update_row(tx, "channels", cid, fields)
            row = await tx.fetchone("SELECT * FROM channels WHERE id = ?", (cid,))
            if row is not None:
                await _write_abilities(tx, cid, row)
    return count


async def tag_models(db: Store, tag: str) -> str:
    """The longest models string among the tag's channels ('' when none)."""
    value = await db.fetchval(
        "SELECT models FROM channels WHERE tag = ? ORDER BY LENGTH(models) DESC, id LIMIT 1",
        (tag,),
    )
    return value or ""


async def rebuild_abilities(db: Store) -> tuple[int, int]:
    """Truncate abilities and rebuild them for every channel -> (channels done, failed)."""
    done = failed = 0
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM abilities")
        for row in await tx.fetchall("SELECT * FROM channels ORDER BY id"):
            try:
                await _write_abilities(tx, row["id"], row)
                done += 1
            except Exception:  # one bad row must not stop the rebuild
                failed += 1
    return done, failed


async def set_test_result(db: Store, channel_id: int, tested_at: int, response_ms: int) -> None:
    await db.execute(
        "UPDATE channels SET test_time = ?, response_time = ? WHERE id = ?",
        (tested_at, response_ms, channel_id),
    )


async def set_balance(db: Store, channel_id: int, balance: float, now: int) -> None:
    await db.execute(
        "UPDATE channels SET balance = ?, balance_updated_time = ? WHERE id = ?",
        (balance, now, channel_id),
    )
