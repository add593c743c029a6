"""/api/group (the group names of GroupRatio) and /api/prefill_group (named lists of models,
tags or endpoints for the console's forms): list, create, update, soft delete. Admin only."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from clawrouter.api.routing import Routes
from clawrouter.auth.roles import ADMIN
from clawrouter.db.repo import prefill_groups as repo
from clawrouter.errors import ApiError
from clawrouter.http.render import ok
from clawrouter.http.request import MAX_INT, path_id, read_object
from clawrouter.keys import CLOCK, MAIN_DB, OPTIONS

TYPES = ("model", "tag", "endpoint")
NAME_MAX, DESCRIPTION_MAX = 64, 255


async def list_groups(request: web.Request) -> web.Response:
    return ok(list(request.config_dict[OPTIONS]["GroupRatio"]))


def group_view(row: dict[str, Any]) -> dict[str, Any]:
    try:
        items = orjson.loads(row["items"])
    except orjson.JSONDecodeError:
        items = []
    return {**row, "items": items}


def _fields(body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validated columns from a request body; on update only the keys present."""
    out: dict[str, Any] = {}
    if "name" in body or not partial:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ApiError("name is required")
        if len(name.strip()) > NAME_MAX:
            raise ApiError(f"name must be at most {NAME_MAX} characters")
        out["name"] = name.strip()
    if "type" in body or not partial:
        if body.get("type") not in TYPES:
            raise ApiError("type must be one of model, tag, endpoint")
        out["type"] = body["type"]
    if "items" in body or not partial:
        items = body.get("items", [])
        if isinstance(items, str):  # a JSON array sent as a string
            try:
                items = orjson.loads(items or "[]")
            except orjson.JSONDecodeError:
                items = None
        if not isinstance(items, list):
            raise ApiError("items must be an array")
        out["items"] = orjson.dumps(items).decode()
    if "description" in body or not partial:
        desc = body.get("description") or ""
        if not isinstance(desc, str) or len(desc) > DESCRIPTION_MAX:
            raise ApiError(f"description must be a string of at most {DESCRIPTION_MAX} characters")
        out["description"] = desc
    return out


async def list_prefill_groups(request: web.Request) -> web.Response:
    type_ = request.query.get("type", "")
    if type_ and type_ not in TYPES:
        raise ApiError("type must be one of model, tag, endpoint")
    rows = await repo.list_prefill_groups(request.config_dict[MAIN_DB], type_)
    return ok([group_view(r) for r in rows])


async def create_prefill_group(request: web.Request) -> web.Response:
    fields = _fields(await read_object(request), partial=False)
    now = int(request.config_dict[CLOCK]())
    row = await repo.insert_prefill_group(
        request.config_dict[MAIN_DB], {**fields, "created_time": now, "updated_time": now}
    )
    if row is None:
        raise ApiError(f"a prefill group named {fields['name']!r} already exists")
    return ok(group_view(row))


async def update_prefill_group(request: web.Request) -> web.Response:
    body = await read_object(request)
    group_id = body.get("id")
    if not isinstance(group_id, int) or isinstance(group_id, bool) or group_id <= 0:
        raise ApiError("id is required")
    if group_id > MAX_INT:  # past the store's 64-bit integers: no such group
        raise ApiError("prefill group not found")
    fields = _fields(body, partial=True)
    fields["updated_time"] = int(request.config_dict[CLOCK]())
    row, taken = await repo.update_prefill_group(request.config_dict[MAIN_DB], group_id, fields)
    if taken:
        raise ApiError(f"a prefill group named {fields['name']!r} already exists")
    if row is None:
        raise ApiError("prefill group not found")
    return ok(group_view(row))


async def delete_prefill_group(request: web.Request) -> web.Response:
    group_id = path_id(request)
    now = int(request.config_dict[CLOCK]())
    if not await repo.delete_prefill_group(request.config_dict[MAIN_DB], group_id, now):
        raise ApiError("prefill group not found")
    return ok()


def routes(r: Routes) -> None:
    r.add("GET", "/group/", list_groups, ADMIN)
    r.add("GET", "/prefill_group/", list_prefill_groups, ADMIN)
    r.add("POST", "/prefill_group/", create_prefill_group, ADMIN)
    r.add("PUT", "/prefill_group/", update_prefill_group, ADMIN)
    r.add("DELETE", "/prefill_group/{id}", delete_prefill_group, ADMIN)
