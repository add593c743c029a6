"""/api/models/ (admin): model metadata — list, search, get, create, update, soft delete and
the ability models that have no metadata yet. Items are enriched from the relay's state
(bound channels, enabled groups, quota types). Sync from upstream lives in models_sync."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from clawrouter.api import models_sync
from clawrouter.api.model_catalog import (
    channel_models,
    contains_pattern,
    matched_names,
    model_view,
    rule_matches,
)
from clawrouter.api.routing import Routes
from clawrouter.api.validate import int_field, required_id, str_field
from clawrouter.auth.roles import ADMIN
from clawrouter.db.repo import models as models_repo
from clawrouter.db.repo import vendors as vendors_repo
from clawrouter.db.store import DuplicateError
from clawrouter.errors import ApiError
from clawrouter.http.render import ok, page
from clawrouter.http.request import pagination, path_id, query_bool, read_object
from clawrouter.keys import CLOCK, MAIN_DB, RELAY

NOT_FOUND = "model not found"
_TEXT_LIMITS = {"description": None, "icon": 128, "tags": 255}
_FLAGS = {"status": (0, 1), "sync_official": (0, 1), "name_rule": (0, 3)}


def _views(request: web.Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    state = request.config_dict[RELAY]
    known = channel_models(state)
    return [model_view(state, r, known) for r in rows]


def _endpoints(body: dict[str, Any]) -> str | None:
    value = body.get("endpoints")
    if value is None:
        return None
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    if not isinstance(value, str):
        raise ApiError("endpoints must be JSON (an object or its text)")
    if value.strip():
        try:
            orjson.loads(value)
        except orjson.JSONDecodeError:
            raise ApiError("endpoints is not valid JSON") from None
    return value.strip()


async def model_fields(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    """Validated columns present in `body` (model_name trimmed; vendor_id must exist)."""
    out: dict[str, Any] = {}
    name = str_field(body, "model_name", max_len=128)
    if name is not None:
        if not name.strip():
            raise ApiError("model_name must not be empty")
        out["model_name"] = name.strip()
    for key, limit in _TEXT_LIMITS.items():
        value = str_field(body, key, max_len=limit)
        if value is not None:
            out[key] = value
    for key, (low, high) in _FLAGS.items():
        value = int_field(body, key, low=low, high=high)
        if value is not None:
            out[key] = value
    vendor_id = int_field(body, "vendor_id", low=0)
    db = request.config_dict[MAIN_DB]
    if vendor_id and await vendors_repo.get_vendor(db, vendor_id) is None:
        raise ApiError(f"vendor {vendor_id} does not exist")
    if vendor_id is not None:
        out["vendor_id"] = vendor_id
    endpoints = _endpoints(body)
    if endpoints is not None:
        out["endpoints"] = endpoints
    return out


async def _unique_name(request: web.Request, name: str, own_id: int = 0) -> None:
    other = await models_repo.get_model_by_name(request.config_dict[MAIN_DB], name)
    if other is not None and other["id"] != own_id:
        raise ApiError(f"a model named {name!r} already exists")


# ---- handlers ------------------------------------------------------------------------------------
async def list_models_meta(request: web.Request) -> web.Response:
    p, size = pagination(request)
    db = request.config_dict[MAIN_DB]
    rows, total, counts = await models_repo.page_models(db, (p - 1) * size, size)
    vendor_counts = {str(k): v for k, v in counts.items()}
    return page(_views(request, rows), total, p, size, vendor_counts=vendor_counts)


async def search_models_meta(request: web.Request) -> web.Response:
    p, size = pagination(request)
    keyword = request.query.get("keyword", "").strip()
    vendor = request.query.get("vendor", "").strip()
    rows, total, counts = await models_repo.page_models(
        request.config_dict[MAIN_DB],
        (p - 1) * size,
        size,
        keyword=contains_pattern(keyword) if keyword else "",
        vendor=vendor if vendor.isdigit() or not vendor else contains_pattern(vendor),
    )
    vendor_counts = {str(k): v for k, v in counts.items()}
    return page(_views(request, rows), total, p, size, vendor_counts=vendor_counts)


async def get_model_meta(request: web.Request) -> web.Response:
    row = await models_repo.get_model(request.config_dict[MAIN_DB], path_id(request))
    if row is None:
        raise ApiError(NOT_FOUND)
    return ok(_views(request, [row])[0])


async def create_model_meta(request: web.Request) -> web.Response:
    body = await read_object(request)
    fields = await model_fields(request, body)
    if "model_name" not in fields:
        raise ApiError("model_name is required")
    await _unique_name(request, fields["model_name"])
    now = int(request.config_dict[CLOCK]())
    fields.update(created_time=now, updated_time=now)
    db = request.config_dict[MAIN_DB]
    try:
        row = await models_repo.create_model(db, fields)
    except DuplicateError:  # the unique index: a concurrent create won the race
        raise ApiError(f"a model named {fields['model_name']!r} already exists") from None
    return ok(_views(request, [row])[0])


async def update_model_meta(request: web.Request) -> web.Response:
    body = await read_object(request)
    model_id = required_id(body)
    db = request.config_dict[MAIN_DB]
    if await models_repo.get_model(db, model_id) is None:
        raise ApiError(NOT_FOUND)
    if query_bool(request, "status_only"):
        status = int_field(body, "status", low=0, high=1)
        if status is None:
            raise ApiError("status is required")
        fields: dict[str, Any] = {"status": status}
    else:
        fields = await model_fields(request, body)
        if "model_name" in fields:
            await _unique_name(request, fields["model_name"], model_id)
    fields["updated_time"] = int(request.config_dict[CLOCK]())
    try:
        await models_repo.update_model(db, model_id, fields)
    except DuplicateError:
        raise ApiError("a model with that name already exists") from None
    row = await models_repo.get_model(db, model_id)
    assert row is not None
    return ok(_views(request, [row])[0])


async def delete_model_meta(request: web.Request) -> web.Response:
    now = int(request.config_dict[CLOCK]())
    if not await models_repo.soft_delete_model(request.config_dict[MAIN_DB], path_id(request), now):
        raise ApiError(NOT_FOUND)
    return ok()


async def missing_models(request: web.Request) -> web.Response:
    """Models enabled on some channel (in the routing index) that no metadata row covers."""
    state = request.config_dict[RELAY]
    enabled = {m for models in state.index.values() for m in models}
    rows = await models_repo.list_live_models(request.config_dict[MAIN_DB])
    covered = {n for r in rows for n in matched_names(r, enabled)}
    rules = [(r["model_name"], r["name_rule"]) for r in rows if r["name_rule"]]
    missing = [
        m
        for m in sorted(enabled - covered)
        if not any(rule_matches(name, rule, m) for name, rule in rules)
    ]
    return ok(missing)


def routes(r: Routes) -> None:
    # Fixed paths must be added before /models/{id}.
    r.add("GET", "/models/", list_models_meta, ADMIN)
    r.add("POST", "/models/", create_model_meta, ADMIN)
    r.add("PUT", "/models/", update_model_meta, ADMIN)
    r.add("GET", "/models/search", search_models_meta, ADMIN)
    r.add("GET", "/models/missing", missing_models, ADMIN)
    r.add("GET", "/models/sync_upstream/preview", models_sync.preview_sync, ADMIN)
    r.add("POST", "/models/sync_upstream", models_sync.sync_upstream, ADMIN)
    r.add("GET", "/models/{id}", get_model_meta, ADMIN)
    r.add("DELETE", "/models/{id}", delete_model_meta, ADMIN)
