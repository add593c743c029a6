"""SQL for the top_ups table (payment orders): the paged history lists."""

from __future__ import annotations

from clawrouter.db.repo.rows import insert_row, like_escape, page
from clawrouter.db.store import Row, Store


async def page_topups(
    db: Store, offset: int, limit: int, *, user_id: int = 0, keyword: str = ""
) -> tuple[list[Row], int]:
    """Newest first; `user_id` 0 means everyone; `keyword` is a substring of trade_no."""
    where: list[str] = []
    params: list = []
    if user_id:
        where.append("user_id = ?")
        params.append(user_id)
    if keyword:
        where.append("trade_no LIKE ? ESCAPE '!'")
        params.append(f"%{like_escape(keyword)}%")
    return await page(db, "top_ups", " AND ".join(where) or "1 = 1", params, offset, limit)


async def insert_topup(db: Store, fields: dict) -> int:
    """For payment flows and tests."""
    return await insert_row(db, "top_ups", fields)
