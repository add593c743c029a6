"""/api/task and /api/mj: paged, read-only lists of async jobs (tasks and Midjourney jobs),
every user's for admins and the caller's own on /self. private_data is never returned."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from clawrouter.api.routing import Routes
from clawrouter.auth.roles import ADMIN, COMMON
from clawrouter.db.repo import tasks as tasks_repo
from clawrouter.db.repo.tasks import TaskFilter
from clawrouter.http.render import page
from clawrouter.http.request import pagination, query_int
from clawrouter.keys import CALLER, MAIN_DB, RELAY

_JSON_FIELDS = ("properties", "data")


def _json(text: str) -> Any:
    try:
        return orjson.loads(text) if text else None
    except orjson.JSONDecodeError:
        return text


def task_view(row: dict[str, Any], username: str | None = None) -> dict[str, Any]:
    out = {k: (_json(v) if k in _JSON_FIELDS else v) for k, v in row.items()}
    out.pop("private_data", None)
    if username is not None:
        out["username"] = username
    return out


def _range(request: web.Request) -> dict[str, int]:
    return {
        "start": query_int(request, "start_timestamp"),
        "end": query_int(request, "end_timestamp"),
    }


def _task_filter(request: web.Request, **fields: Any) -> TaskFilter:
    q = request.query
    return TaskFilter(
        platform=q.get("platform", ""),
        task_id=q.get("task_id", ""),
        status=q.get("status", ""),
        action=q.get("action", ""),
        **_range(request),
        **fields,
    )


async def _tasks(request: web.Request, f: TaskFilter, *, admin: bool) -> web.Response:
    p, size = pagination(request)
    rows, total = await tasks_repo.page_tasks(request.config_dict[MAIN_DB], f, (p - 1) * size, size)
    users = request.config_dict[RELAY].users
    items = []
    for row in rows:
        name = None
        if admin:
            user = users.get(row["user_id"])
            name = user.username if user is not None else ""
        items.append(task_view(row, name))
    return page(items, total, p, size)


async def list_tasks(request: web.Request) -> web.Response:
    f = _task_filter(
        request,
        channel_id=query_int(request, "channel_id"),
        user_id=query_int(request, "user_id"),
    )
    return await _tasks(request, f, admin=True)


async def list_own_tasks(request: web.Request) -> web.Response:
    return await _tasks(request, _task_filter(request, user_id=request[CALLER]["id"]), admin=False)


async def _midjourneys(request: web.Request, f: TaskFilter) -> web.Response:
    p, size = pagination(request)
    db = request.config_dict[MAIN_DB]
    rows, total = await tasks_repo.page_midjourneys(db, f, (p - 1) * size, size)
    return page(rows, total, p, size)


async def list_midjourneys(request: web.Request) -> web.Response:
    f = TaskFilter(
        channel_id=query_int(request, "channel_id"),
        mj_id=request.query.get("mj_id", ""),
        **_range(request),
    )
    return await _midjourneys(request, f)


async def list_own_midjourneys(request: web.Request) -> web.Response:
    f = TaskFilter(
        user_id=request[CALLER]["id"], mj_id=request.query.get("mj_id", ""), **_range(request)
    )
    return await _midjourneys(request, f)


def routes(r: Routes) -> None:
    r.add("GET", "/task/", list_tasks, ADMIN)
    r.add("GET", "/task/self", list_own_tasks, COMMON)
    r.add("GET", "/mj/", list_midjourneys, ADMIN)
    r.add("GET", "/mj/self", list_own_midjourneys, COMMON)
