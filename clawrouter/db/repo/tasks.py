"""SQL for async jobs: the tasks (video, music, …) and midjourneys tables, read by the
management lists; inserts are used by the task relay and by tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clawrouter.db.repo.rows import page
from clawrouter.db.store import Row, Store
from clawrouter.wire.status import TaskStatus

TASK_COLUMNS = (
    "created_at", "updated_at", "task_id", "platform", "user_id", "group", "channel_id", "quota",
    "action", "status", "fail_reason", "submit_time", "start_time", "finish_time", "progress",
    "properties", "private_data", "data",
)  # fmt: skip
MJ_COLUMNS = (
    "code", "user_id", "action", "mj_id", "prompt", "prompt_en", "description", "state",
    "submit_time", "start_time", "finish_time", "image_url", "video_url", "video_urls", "status",
    "progress", "fail_reason", "channel_id", "quota", "buttons", "properties",
)  # fmt: skip
_TASK_READ = ", ".join(["id", *(f'"{c}"' for c in TASK_COLUMNS if c != "private_data")])


@dataclass(frozen=True, slots=True)
class TaskFilter:
    """Zero / empty values mean "any"; start and end bound submit_time."""

    user_id: int = 0
    channel_id: int = 0
    platform: str = ""
    task_id: str = ""
    status: str = ""
    action: str = ""
    mj_id: str = ""
    start: int = 0
    end: int = 0


def _where(f: TaskFilter, *, mj: bool) -> tuple[str, list]:
    exact: list[tuple[str, Any]] = [("user_id", f.user_id), ("channel_id", f.channel_id)]
    if mj:
        exact.append(("mj_id", f.mj_id))
    else:
        exact += [
            ("platform", f.platform), ("task_id", f.task_id), ("status", f.status),
            ("action", f.action),
        ]  # fmt: skip
    where = [f"{col} = ?" for col, value in exact if value]
    params: list = [value for _, value in exact if value]
    if f.start:
        where.append("submit_time >= ?")
        params.append(f.start)
    if f.end:
        where.append("submit_time <= ?")
        params.append(f.end)
    return " AND ".join(where) or "1 = 1", params


async def page_tasks(db: Store, f: TaskFilter, offset: int, limit: int) -> tuple[list[Row], int]:
    """Newest first, without private_data."""
    clause, params = _where(f, mj=False)
    return await page(db, "tasks", clause, params, offset, limit, columns=_TASK_READ)


async def page_midjourneys(
    db: Store, f: TaskFilter, offset: int, limit: int
) -> tuple[list[Row], int]:
    clause, params = _where(f, mj=True)
    return await page(db, "midjourneys", clause, params, offset, limit)


def _insert_sql(table: str, fields: dict[str, Any]) -> str:
    cols = ", ".join(f'"{c}"' for c in fields)
    return f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' for _ in fields)})"


async def insert_task(db: Store, fields: dict[str, Any]) -> int:
    row = {k: v for k, v in fields.items() if k in TASK_COLUMNS}
    return await db.insert(_insert_sql("tasks", row), list(row.values()))


async def insert_midjourney(db: Store, fields: dict[str, Any]) -> int:
    row = {k: v for k, v in fields.items() if k in MJ_COLUMNS}
    return await db.insert(_insert_sql("midjourneys", row), list(row.values()))


# ---- the task relay and its poller (plain portable SQL: no RETURNING, no upsert) -------------
FINISHED = (TaskStatus.SUCCESS, TaskStatus.FAILURE)


async def get_task(db: Store, task_id: str, user_id: int) -> Row | None:
    """One user's task by its public id (task_…), private_data included."""
    return await db.fetchone(
        "SELECT * FROM tasks WHERE task_id = ? AND user_id = ? ORDER BY id DESC LIMIT 1",
        (task_id, user_id),
    )


async def list_unfinished_tasks(db: Store, platforms: list[str], limit: int) -> list[Row]:
    """Tasks of these platforms not yet SUCCESS or FAILURE, oldest first."""
    if not platforms:
        return []
    marks = ", ".join("?" for _ in platforms)
    return await db.fetchall(
        f"SELECT * FROM tasks WHERE status NOT IN (?, ?) AND platform IN ({marks})"
        " ORDER BY id LIMIT ?",
        (*FINISHED, *platforms, limit),
    )


_UPDATABLE = ("updated_at", "status", "fail_reason", "start_time", "finish_time", "progress",
              "data")  # fmt: skip


async def update_unfinished_task(db: Store, row_id: int, fields: dict[str, Any]) -> bool:
    """Update a task that is not finished yet; False when it already was (or is gone), so a
    finished task is settled or refunded exactly once."""
    row = {k: v for k, v in fields.items() if k in _UPDATABLE}
    sets = ", ".join(f'"{c}" = ?' for c in row)
    changed = await db.execute(
        f"UPDATE tasks SET {sets} WHERE id = ? AND status NOT IN (?, ?)",
        (*row.values(), row_id, *FINISHED),
    )
    return changed == 1
