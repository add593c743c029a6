"""/api/channel (admin): list, get, add, update and delete upstream channels. The key never
leaves through these routes. Every write refreshes the relay's in-memory channels at once."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from clawrouter.api import channel_keys, channel_ops, channel_probe, channel_tags
from clawrouter.api.channel_input import channel_view, new_channels, update_changes
from clawrouter.api.routing import Routes
from clawrouter.api.validate import required_id
from clawrouter.auth.roles import ADMIN
from clawrouter.changes.change import Change
from clawrouter.db.repo import channels as channels_repo
from clawrouter.errors import ApiError
from clawrouter.http.render import ok, page
from clawrouter.http.request import pagination, path_id, query_bool, read_object, stored_int
from clawrouter.keys import CHANGES, CLOCK, MAIN_DB, RELAY

NOT_FOUND = "channel not found"


def _view(request: web.Request, row: dict[str, Any]) -> dict[str, Any]:
    """The API view, with used_quota including usage the writer has not flushed yet."""
    live = request.config_dict[RELAY].channels.get(row["id"])
    return channel_view(row, live.used_quota if live is not None else None)


def _status_filter(value: str) -> int | None:
    return {"enabled": 1, "1": 1, "disabled": 0, "0": 0}.get(value.lower())


async def list_channels(request: web.Request) -> web.Response:
    p, size = pagination(request)
    q = request.query
    db = request.config_dict[MAIN_DB]
    # the reference ignores a type filter it cannot parse (out of range included)
    status, type_ = _status_filter(q.get("status", "")), stored_int(q.get("type", ""))
    rows, total, counts = await channels_repo.page_channels(
        db, (p - 1) * size, size, id_sort=query_bool(request, "id_sort"), status=status,
        type_=type_,
    )  # fmt: skip
    if query_bool(request, "tag_mode"):
        rows, total = await channels_repo.page_channel_tags(
            db, (p - 1) * size, size, status=status, type_=type_
        )
    items = [_view(request, r) for r in rows]
    type_counts = {str(t): n for t, n in counts.items()}
    return page(items, total, p, size, type_counts=type_counts)


async def get_channel(request: web.Request) -> web.Response:
    row = await channels_repo.get_channel(request.config_dict[MAIN_DB], path_id(request))
    if row is None:
        raise ApiError(NOT_FOUND)
    return ok(_view(request, row))


async def create_channel(request: web.Request) -> web.Response:
    body = await read_object(request)
    app = request.config_dict
    rows = new_channels(body, int(app[CLOCK]()))
    ids = await channels_repo.insert_channels(app[MAIN_DB], rows)
    await app[CHANGES].publish(Change("channel", ids))
    return ok()


async def update_channel(request: web.Request) -> web.Response:
    body = await read_object(request)
    cid = required_id(body)
    app = request.config_dict
    stored = await channels_repo.get_channel(app[MAIN_DB], cid)
    if stored is None:
        raise ApiError(NOT_FOUND)
    row = await channels_repo.update_channel(app[MAIN_DB], cid, update_changes(stored, body))
    if row is None:
        raise ApiError(NOT_FOUND)
    await app[CHANGES].publish(Change("channel", [cid]))
    return ok(_view(request, row))


async def delete_channel(request: web.Request) -> web.Response:
    cid = path_id(request)
    app = request.config_dict
    if not await channels_repo.delete_channels(app[MAIN_DB], [cid]):
        raise ApiError(NOT_FOUND)
    await app[CHANGES].publish(Change("channel", [cid]))
    return ok()


def routes(r: Routes) -> None:
    # Fixed paths (/channel/search, /channel/models, …) must be added before /channel/{id}.
    for module in (channel_ops, channel_tags, channel_keys, channel_probe):
        module.routes(r)
    r.add("GET", "/channel/", list_channels, ADMIN)
    r.add("POST", "/channel/", create_channel, ADMIN)
    r.add("PUT", "/channel/", update_channel, ADMIN)
    r.add("GET", "/channel/{id}", get_channel, ADMIN)
    r.add("DELETE", "/channel/{id}", delete_channel, ADMIN)
