"""SQL for model vendors (the `vendors` table): paged lists, search, soft delete."""

from __future__ import annotations

from typing import Any

from clawrouter.db.repo.rows import insert_returning, insert_row, page, update_row
from clawrouter.db.store import Row, Store, Tx

COLUMNS = ("name", "description", "icon", "status", "created_time", "updated_time")
_LIVE = "deleted_at IS NULL"


async def list_live_vendors(db: Store | Tx) -> list[Row]:
    return await db.fetchall(f"SELECT * FROM vendors WHERE {_LIVE} ORDER BY id")


async def get_vendor(db: Store | Tx, vendor_id: int) -> Row | None:
    return await db.fetchone(f"SELECT * FROM vendors WHERE id = ? AND {_LIVE}", (vendor_id,))


async def get_vendor_by_name(db: Store | Tx, name: str) -> Row | None:
    return await db.fetchone(f"SELECT * FROM vendors WHERE name = ? AND {_LIVE}", (name,))


async def page_vendors(
    db: Store, offset: int, limit: int, *, keyword: str = ""
) -> tuple[list[Row], int]:
    """A page, newest first; `keyword` is a LIKE pattern on name and description."""
    where, params = [_LIVE], []
    if keyword:
        where.append("(name LIKE ? ESCAPE '!' OR description LIKE ? ESCAPE '!')")
        params += [keyword, keyword]
    return await page(db, "vendors", " AND ".join(where), params, offset, limit)


async def insert_vendor(db: Store | Tx, fields: dict[str, Any]) -> int:
    return await insert_row(db, "vendors", fields)


async def create_vendor(db: Store | Tx, fields: dict[str, Any]) -> Row:
    """Insert and return the stored row (raises DuplicateError when the live name is taken)."""
    return await insert_returning(db, "vendors", fields)


async def update_vendor(db: Store | Tx, vendor_id: int, fields: dict[str, Any]) -> int:
    return await update_row(db, "vendors", vendor_id, fields)


async def soft_delete_vendor(db: Store, vendor_id: int, now: int) -> int:
    return await db.execute(
        f"UPDATE vendors SET deleted_at = ? WHERE id = ? AND {_LIVE}", (now, vendor_id)
    )
