"""SQL that reads the hourly dashboard aggregates (quota_data, in the log store)."""

from __future__ import annotations

from clawrouter.db.store import Row, Store

_SUMS = "SUM(count) AS count, SUM(quota) AS quota, SUM(token_used) AS token_used"


def _range(start: int, end: int) -> tuple[str, list]:
    where, params = ["1 = 1"], []
    if start:
        where.append("created_at >= ?")
        params.append(start)
    if end:
        where.append("created_at <= ?")
        params.append(end)
    return " AND ".join(where), params


async def quota_by_model(db: Store, start: int, end: int) -> list[Row]:
    """[{model_name, created_at, count, quota, token_used}] summed over users."""
    clause, params = _range(start, end)
    return await db.fetchall(
        f"SELECT model_name, created_at, {_SUMS} FROM quota_data WHERE {clause}"
        " GROUP BY created_at, model_name ORDER BY created_at, model_name",
        params,
    )


async def quota_by_user(db: Store, start: int, end: int) -> list[Row]:
    """[{username, created_at, count, quota, token_used}] summed over models."""
    clause, params = _range(start, end)
    return await db.fetchall(
        f"SELECT username, created_at, {_SUMS} FROM quota_data WHERE {clause}"
        " GROUP BY created_at, username ORDER BY created_at, username",
        params,
    )


async def quota_rows(
    db: Store, start: int, end: int, *, user_id: int = 0, username: str = ""
) -> list[Row]:
    """One user's raw hourly rows (by id or by name)."""
    clause, params = _range(start, end)
    column, value = ("user_id", user_id) if user_id else ("username", username)
    return await db.fetchall(
        f"SELECT * FROM quota_data WHERE {clause} AND {column} = ? ORDER BY created_at, id",
        [*params, value],
    )
