"""/api/vendors (admin): model vendors — list, search, get, create, update, soft delete. The
name is required and unique among live vendors."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from clawrouter.api.model_catalog import contains_pattern
from clawrouter.api.routing import Routes
from clawrouter.api.validate import int_field, required_id, str_field
from clawrouter.auth.roles import ADMIN
from clawrouter.db.repo import vendors as vendors_repo
from clawrouter.db.store import DuplicateError
from clawrouter.errors import ApiError
from clawrouter.http.render import ok, page
from clawrouter.http.request import pagination, path_id, read_object
from clawrouter.keys import CLOCK, MAIN_DB

NOT_FOUND = "vendor not found"


def vendor_view(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in row if k != "deleted_at"}


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    name = str_field(body, "name", max_len=128)
    if name is not None:
        if not name.strip():
            raise ApiError("name must not be empty")
        out["name"] = name.strip()
    for key, limit in (("description", None), ("icon", 128)):
        value = str_field(body, key, max_len=limit)
        if value is not None:
            out[key] = value
    status = int_field(body, "status", low=0, high=1)
    if status is not None:
        out["status"] = status
    return out


async def _unique(db: Any, name: str, own_id: int = 0) -> None:
    other = await vendors_repo.get_vendor_by_name(db, name)
    if other is not None and other["id"] != own_id:
        raise ApiError(f"a vendor named {name!r} already exists")


async def list_vendors(request: web.Request) -> web.Response:
    p, size = pagination(request)
    rows, total = await vendors_repo.page_vendors(
        request.config_dict[MAIN_DB], (p - 1) * size, size
    )
    return page([vendor_view(r) for r in rows], total, p, size)


async def search_vendors(request: web.Request) -> web.Response:
    p, size = pagination(request)
    keyword = request.query.get("keyword", "").strip()
    rows, total = await vendors_repo.page_vendors(
        request.config_dict[MAIN_DB],
        (p - 1) * size,
        size,
        keyword=contains_pattern(keyword) if keyword else "",
    )
    return page([vendor_view(r) for r in rows], total, p, size)


async def get_vendor(request: web.Request) -> web.Response:
    row = await vendors_repo.get_vendor(request.config_dict[MAIN_DB], path_id(request))
    if row is None:
        raise ApiError(NOT_FOUND)
    return ok(vendor_view(row))


async def create_vendor(request: web.Request) -> web.Response:
    fields = _fields(await read_object(request))
    if "name" not in fields:
        raise ApiError("name is required")
    db = request.config_dict[MAIN_DB]
    await _unique(db, fields["name"])
    now = int(request.config_dict[CLOCK]())
    fields.update(created_time=now, updated_time=now)
    try:
        row = await vendors_repo.create_vendor(db, fields)
    except DuplicateError:  # the unique index: a concurrent create won the race
        raise ApiError(f"a vendor named {fields['name']!r} already exists") from None
    return ok(vendor_view(row))


async def update_vendor(request: web.Request) -> web.Response:
    body = await read_object(request)
    vendor_id = required_id(body)
    db = request.config_dict[MAIN_DB]
    if await vendors_repo.get_vendor(db, vendor_id) is None:
        raise ApiError(NOT_FOUND)
    fields = _fields(body)
    if "name" in fields:
        await _unique(db, fields["name"], vendor_id)
    fields["updated_time"] = int(request.config_dict[CLOCK]())
    try:
        await vendors_repo.update_vendor(db, vendor_id, fields)
    except DuplicateError:
        raise ApiError("a vendor with that name already exists") from None
    return ok(vendor_view(await vendors_repo.get_vendor(db, vendor_id) or {}))


async def delete_vendor(request: web.Request) -> web.Response:
    now = int(request.config_dict[CLOCK]())
    if not await vendors_repo.soft_delete_vendor(
        request.config_dict[MAIN_DB], path_id(request), now
    ):
        raise ApiError(NOT_FOUND)
    return ok()


def routes(r: Routes) -> None:
    r.add("GET", "/vendors/", list_vendors, ADMIN)
    r.add("POST", "/vendors/", create_vendor, ADMIN)
    r.add("PUT", "/vendors/", update_vendor, ADMIN)
    r.add("GET", "/vendors/search", search_vendors, ADMIN)
    r.add("GET", "/vendors/{id}", get_vendor, ADMIN)
    r.add("DELETE", "/vendors/{id}", delete_vendor, ADMIN)
