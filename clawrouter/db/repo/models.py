"""SQL for model metadata (the `models` table): paged lists, search, soft delete."""

from __future__ import annotations

from typing import Any

from clawrouter.db.repo.rows import insert_returning, insert_row, numeric_id, page, update_row
from clawrouter.db.store import Row, Store, Tx

COLUMNS = (
    "model_name", "description", "icon", "tags", "vendor_id", "endpoints", "status",
    "sync_official", "name_rule", "created_time", "updated_time",
)  # fmt: skip
_LIVE = "deleted_at IS NULL"


async def list_live_models(db: Store | Tx) -> list[Row]:
    return await db.fetchall(f"SELECT * FROM models WHERE {_LIVE} ORDER BY id")


async def get_model(db: Store | Tx, model_id: int) -> Row | None:
    return await db.fetchone(f"SELECT * FROM models WHERE id = ? AND {_LIVE}", (model_id,))


async def get_model_by_name(db: Store | Tx, name: str) -> Row | None:
    return await db.fetchone(f"SELECT * FROM models WHERE model_name = ? AND {_LIVE}", (name,))


async def page_models(
    db: Store, offset: int, limit: int, *, keyword: str = "", vendor: str = ""
) -> tuple[list[Row], int, dict[int, int]]:
    """A page (newest first) plus vendor counts over all live rows. `keyword` is a LIKE
    pattern on name, description and tags; `vendor` is an id or a vendor-name LIKE pattern."""
    where, params = [_LIVE], []
    if keyword:
        where.append(
            "(model_name LIKE ? ESCAPE '!' OR description LIKE ? ESCAPE '!'"
            " OR tags LIKE ? ESCAPE '!')"
        )
        params += [keyword] * 3
    if (vendor_id := numeric_id(vendor)) is not None:
        where.append("vendor_id = ?")
        params.append(vendor_id)
    elif vendor:
        where.append(
            "vendor_id IN (SELECT id FROM vendors WHERE name LIKE ? ESCAPE '!'"
            " AND deleted_at IS NULL)"
        )
        params.append(vendor)
    clause = " AND ".join(where)
    rows, total = await page(db, "models", clause, params, offset, limit)
    counts = await db.fetchall(
        f"SELECT vendor_id, COUNT(*) AS n FROM models WHERE {_LIVE} GROUP BY vendor_id"
    )
    return rows, total, {r["vendor_id"]: r["n"] for r in counts}


async def insert_model(db: Store | Tx, fields: dict[str, Any]) -> int:
    return await insert_row(db, "models", fields)


async def create_model(db: Store | Tx, fields: dict[str, Any]) -> Row:
    """Insert and return the stored row (raises DuplicateError when the live name is taken)."""
    return await insert_returning(db, "models", fields)


async def update_model(db: Store | Tx, model_id: int, fields: dict[str, Any]) -> int:
    return await update_row(db, "models", model_id, fields)


async def soft_delete_model(db: Store, model_id: int, now: int) -> int:
    return await db.execute(
        f"UPDATE models SET deleted_at = ? WHERE id = ? AND {_LIVE}", (now, model_id)
    )
