"""/api/redemption (admins): top-up codes — list, search, get, create in batches, update,
soft delete, and sweeping away used, disabled or expired codes."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from clawrouter.api.routing import Routes
from clawrouter.api.validate import int_field, str_field
from clawrouter.auth.roles import ADMIN
from clawrouter.db.repo import redemptions as repo
from clawrouter.errors import ApiError
from clawrouter.http.render import ok, page
from clawrouter.http.request import MAX_INT, pagination, path_id, query_bool, read_object
from clawrouter.keys import CALLER, CLOCK, MAIN_DB

NOT_FOUND = "redemption code not found"
MAX_NAME = 20
MAX_COUNT = 100


async def _get(request: web.Request, redemption_id: int | None) -> dict[str, Any]:
    if not redemption_id:
        raise ApiError("id is required")
    row = await repo.get_redemption(request.config_dict[MAIN_DB], redemption_id)
    if row is None:
        raise ApiError(NOT_FOUND)
    return row


def _fields(request: web.Request, body: dict[str, Any], *, create: bool) -> dict[str, Any]:
    """name (1-20 characters), quota (> 0) and expired_time (0 or the future)."""
    out: dict[str, Any] = {}
    name = str_field(body, "name")
    if name is not None or create:
        name = (name or "").strip()
        if not 1 <= len(name) <= MAX_NAME:
            raise ApiError(f"name must be 1 to {MAX_NAME} characters")
        out["name"] = name
    quota = int_field(body, "quota", low=1, high=MAX_INT)
    if quota is None and create:
        raise ApiError("quota is required")
    if quota is not None:
        out["quota"] = quota
    expired = int_field(body, "expired_time", 0 if create else None, low=0)
    if expired is not None:
        if expired and expired <= request.config_dict[CLOCK]():
            raise ApiError("expired_time must be 0 (never) or a unix time in the future")
        out["expired_time"] = expired
    return out


async def list_redemptions(request: web.Request) -> web.Response:
    p, size = pagination(request)
    rows, total = await repo.page_redemptions(request.config_dict[MAIN_DB], (p - 1) * size, size)
    return page(rows, total, p, size)


async def search_redemptions(request: web.Request) -> web.Response:
    p, size = pagination(request)
    keyword = request.query.get("keyword", "").strip()
    rows, total = await repo.page_redemptions(
        request.config_dict[MAIN_DB], (p - 1) * size, size, keyword=keyword
    )
    return page(rows, total, p, size)


async def get_redemption(request: web.Request) -> web.Response:
    return ok(await _get(request, path_id(request)))


async def create_redemptions(request: web.Request) -> web.Response:
    body = await read_object(request)
    app = request.config_dict
    fields = _fields(request, body, create=True)
    count = int_field(body, "count", 1)
    if count is None or not 1 <= count <= MAX_COUNT:
        raise ApiError(f"count must be between 1 and {MAX_COUNT}")
    base = {**fields, "user_id": request[CALLER]["id"], "status": repo.ENABLED}
    base["created_time"] = int(app[CLOCK]())
    rows = [{**base, "key": uuid.uuid4().hex} for _ in range(count)]
    await repo.insert_redemptions(app[MAIN_DB], rows)
    return ok([r["key"] for r in rows])


async def update_redemption(request: web.Request) -> web.Response:
    body = await read_object(request)
    db = request.config_dict[MAIN_DB]
    row = await _get(request, int_field(body, "id"))
    if query_bool(request, "status_only"):
        status = int_field(body, "status")
        if status not in (repo.ENABLED, repo.DISABLED):
            raise ApiError("status must be 1 (enabled) or 2 (disabled)")
        if row["status"] == repo.USED:
            raise ApiError("a used code cannot be enabled or disabled")
        changes: dict[str, Any] = {"status": status}
    else:
        changes = _fields(request, body, create=False)
    await repo.update_redemption(db, row["id"], changes)
    return ok(await _get(request, row["id"]))


async def delete_redemption(request: web.Request) -> web.Response:
    app = request.config_dict
    if not await repo.soft_delete_redemption(app[MAIN_DB], path_id(request), int(app[CLOCK]())):
        raise ApiError(NOT_FOUND)
    return ok()


async def delete_invalid(request: web.Request) -> web.Response:
    app = request.config_dict
    return ok(await repo.delete_invalid(app[MAIN_DB], int(app[CLOCK]())))


def routes(r: Routes) -> None:
    r.add("GET", "/redemption/", list_redemptions, ADMIN)
    r.add("GET", "/redemption/search", search_redemptions, ADMIN)
    r.add("POST", "/redemption/", create_redemptions, ADMIN)
    r.add("PUT", "/redemption/", update_redemption, ADMIN)
    r.add("DELETE", "/redemption/invalid", delete_invalid, ADMIN)
    r.add("GET", r"/redemption/{id:\d+}", get_redemption, ADMIN)
    r.add("DELETE", r"/redemption/{id:\d+}", delete_redemption, ADMIN)
