"""/api/channel tag routes (admin): tag channels in bulk, enable/disable a tag, edit every
channel of a tag at once, and the tag's model list. Abilities and the relay follow at once."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from clawrouter.api.channel_input import read_fields
from clawrouter.api.routing import Routes
from clawrouter.api.validate import id_list, str_field
from clawrouter.auth.roles import ADMIN
from clawrouter.changes.change import Change
from clawrouter.db.repo import channels as channels_repo
from clawrouter.errors import ApiError, BadRequestError
from clawrouter.http.render import ok
from clawrouter.http.request import read_object
from clawrouter.keys import CHANGES, MAIN_DB

# PUT /tag body field -> channel column; null or empty values are ignored (as the reference)
_TAG_EDITS = {
    "new_tag": "tag", "priority": "priority", "weight": "weight",
    "model_mapping": "model_mapping", "models": "models", "groups": "group",
    "param_override": "param_override", "header_override": "header_override",
}  # fmt: skip


def _tag(body: dict[str, Any]) -> str:
    tag = (str_field(body, "tag") or "").strip()
    if not tag:
        raise ApiError("tag is required")
    return tag


async def _write(request: web.Request, ids: list[int], fields: dict[str, Any]) -> int:
    count = await channels_repo.update_channels(request.config_dict[MAIN_DB], ids, fields)
    await request.config_dict[CHANGES].publish(Change("channel", ids))
    return count


async def set_channels_tag(request: web.Request) -> web.Response:
    """{ids, tag}: a null or empty tag clears it."""
    body = await read_object(request)
    ids = id_list(body)
    tag = (str_field(body, "tag") or "").strip() or None
    return ok(await _write(request, ids, {"tag": tag}))


async def _tag_status(request: web.Request, status: int) -> web.Response:
    tag = _tag(await read_object(request))
    ids = await channels_repo.ids_where(request.config_dict[MAIN_DB], tag=tag)
    return ok(await _write(request, ids, {"status": status}))


async def disable_tag(request: web.Request) -> web.Response:
    return await _tag_status(request, 2)


async def enable_tag(request: web.Request) -> web.Response:
    return await _tag_status(request, 1)


async def edit_tag(request: web.Request) -> web.Response:
    body = await read_object(request)
    tag = _tag(body)
    given = {
        col: body[name] for name, col in _TAG_EDITS.items() if body.get(name) not in (None, "")
    }
    fields = read_fields(given)  # validates: ints, JSON objects, model/group name lists
    fields = {k: v for k, v in fields.items() if v not in (None, "")}
    if not fields:
        raise ApiError("nothing to change: give new_tag, priority, weight, models, groups, …")
    ids = await channels_repo.ids_where(request.config_dict[MAIN_DB], tag=tag)
    return ok(await _write(request, ids, fields))


async def tag_models(request: web.Request) -> web.Response:
    tag = request.query.get("tag", "").strip()
    if not tag:
        raise BadRequestError("query parameter tag is required")
    return ok(await channels_repo.tag_models(request.config_dict[MAIN_DB], tag))


def routes(r: Routes) -> None:
    r.add("POST", "/channel/batch/tag", set_channels_tag, ADMIN)
    r.add("POST", "/channel/tag/disabled", disable_tag, ADMIN)
    r.add("POST", "/channel/tag/enabled", enable_tag, ADMIN)
    r.add("PUT", "/channel/tag", edit_tag, ADMIN)
    r.add("GET", "/channel/tag/models", tag_models, ADMIN)
