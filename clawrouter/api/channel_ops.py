"""/api/channel bulk and utility routes (admin): search, batch delete, delete disabled, copy,
rebuild abilities, the model lists, and the key reveal (root + secure verification). Every
write refreshes the relay's channels at once."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from clawrouter.api import audit
from clawrouter.api.channel_input import channel_view
from clawrouter.api.routing import Routes
from clawrouter.api.validate import id_list
from clawrouter.auth import secure
from clawrouter.auth.roles import ADMIN, ROOT
from clawrouter.billing import ratio_defaults
from clawrouter.changes.change import Change
from clawrouter.db.repo import channels as channels_repo
from clawrouter.errors import ApiError
from clawrouter.http.render import ok
from clawrouter.http.request import pagination, path_id, query_bool, read_object, stored_int
from clawrouter.keys import CALLER, CHANGES, MAIN_DB, RELAY
from clawrouter.wire.status import LogType

NOT_FOUND = "channel not found"
SEARCH_PAGE_SIZE = 20
MODEL_CREATED = 1626777600  # a fixed `created` for the static model list, as the reference
_OWNERS = (
    ("openai", ratio_defaults.OPENAI_PRICES),
    ("anthropic", ratio_defaults.ANTHROPIC_PRICES),
    ("google", ratio_defaults.GOOGLE_PRICES),
    ("other", ratio_defaults.OTHER_PRICES),
)
NO_STORE = {  # the reference's DisableCache
    "Cache-Control": "no-store, no-cache, must-revalidate, private, max-age=0",
    "Pragma": "no-cache",
    "Expires": "0",
}
_COPY_RESET = {"test_time": 0, "response_time": 0}
_BALANCE_RESET = {"balance": 0, "balance_updated_time": 0, "used_quota": 0}


def _view(request: web.Request, row: dict[str, Any]) -> dict[str, Any]:
    live = request.config_dict[RELAY].channels.get(row["id"])
    return channel_view(row, live.used_quota if live is not None else None)


def _status_filter(value: str) -> int | None:
    return {"enabled": 1, "1": 1, "disabled": 0, "0": 0}.get(value.lower())


async def search_channels(request: web.Request) -> web.Response:
    """keyword matches the id, name or base_url (substring) or the key (exact; never shown)."""
    q = request.query
    p, size = pagination(request, SEARCH_PAGE_SIZE)
    rows = await channels_repo.search_channels(
        request.config_dict[MAIN_DB],
        keyword=q.get("keyword", "").strip(),
        group=q.get("group", "").strip(),
        model=q.get("model", "").strip(),
        status=_status_filter(q.get("status", "")),
        id_sort=query_bool(request, "id_sort"),
    )
    counts: dict[str, int] = {}
    for r in rows:
        counts[str(r["type"])] = counts.get(str(r["type"]), 0) + 1
    type_ = stored_int(q.get("type", ""))  # the reference ignores a malformed type filter
    if type_ is not None:
        rows = [r for r in rows if r["type"] == type_]
    items = [_view(request, r) for r in rows[(p - 1) * size : p * size]]
    return ok({"items": items, "total": len(rows), "type_counts": counts})


async def _deleted(request: web.Request, ids: list[int]) -> web.Response:
    count = await channels_repo.delete_channels(request.config_dict[MAIN_DB], ids)
    await request.config_dict[CHANGES].publish(Change("channel", ids))
    return ok(count)


async def delete_channels(request: web.Request) -> web.Response:
    return await _deleted(request, id_list(await read_object(request)))


async def delete_disabled_channels(request: web.Request) -> web.Response:
    ids = await channels_repo.ids_where(request.config_dict[MAIN_DB], disabled=True)
    return await _deleted(request, ids)


async def copy_channel(request: web.Request) -> web.Response:
    """Clone a channel, key included; ?suffix= (default _复制), ?reset_balance= (default true)."""
    app = request.config_dict
    row = await channels_repo.get_channel(app[MAIN_DB], path_id(request))
    if row is None:
        raise ApiError(NOT_FOUND)
    clone = {c: row[c] for c in channels_repo.COLUMNS}
    clone["name"] = row["name"] + request.query.get("suffix", "_复制")
    clone.update(_COPY_RESET)
    if request.query.get("reset_balance", "true").lower() not in ("false", "0", "f"):
        clone.update(_BALANCE_RESET)
    (new_id,) = await channels_repo.insert_channels(app[MAIN_DB], [clone])
    await app[CHANGES].publish(Change("channel", [new_id]))
    return ok({"id": new_id})


async def fix_abilities(request: web.Request) -> web.Response:
    done, failed = await channels_repo.rebuild_abilities(request.config_dict[MAIN_DB])
    await request.config_dict[CHANGES].publish(Change("channel"))
    return ok({"success": done, "fails": failed})


def known_models() -> list[dict[str, Any]]:
    """Every model of the built-in price tables (the models ClawRouter knows how to bill)."""
    seen: dict[str, str] = {}
    for owner, prices in _OWNERS:
        for price in prices:
            for name in price.names:
                seen.setdefault(name, owner)
    for name in ratio_defaults.MODEL_PRICE:
        seen.setdefault(name, "other")
    return [
        {"id": name, "object": "model", "created": MODEL_CREATED, "owned_by": owner,
         "supported_endpoint_types": ["anthropic", "openai"] if owner == "anthropic"
         else ["openai"]}
        for name, owner in seen.items()
    ]  # fmt: skip


async def list_all_models(request: web.Request) -> web.Response:
    return ok(known_models())


async def list_enabled_models(request: web.Request) -> web.Response:
    index = request.config_dict[RELAY].index
    return ok(sorted({m for models in index.values() for m in models}))


async def reveal_channel_key(request: web.Request) -> web.Response:
    """Reveal a channel key (root + secure verification).

    The only route a channel key leaves by: root, the critical rate limit, a secure
    verification younger than 5 minutes (auth.secure: 403 with the reference's code
    otherwise), never cached, and a system log row naming the channel (never the key)."""
    secure.require(request)
    row = await channels_repo.get_channel(request.config_dict[MAIN_DB], path_id(request))
    if row is None:
        raise ApiError(NOT_FOUND)
    text = f"viewed the key of channel #{row['id']} ({row['name']})"
    await audit.write_log(
        request, request[CALLER], LogType.SYSTEM, text, other={"channel_id": row["id"]}
    )
    response = ok({"key": row["key"]}, message="here is the channel key")
    response.headers.update(NO_STORE)
    return response


def routes(r: Routes) -> None:
    r.add("GET", "/channel/search", search_channels, ADMIN)
    r.add("GET", "/channel/models", list_all_models, ADMIN)
    r.add("GET", "/channel/models_enabled", list_enabled_models, ADMIN)
    r.add("POST", "/channel/batch", delete_channels, ADMIN)
    r.add("DELETE", "/channel/disabled", delete_disabled_channels, ADMIN)
    r.add("POST", "/channel/copy/{id}", copy_channel, ADMIN)
    r.add("POST", "/channel/fix", fix_abilities, ADMIN)
    r.add("POST", "/channel/{id}/key", reveal_channel_key, ROOT, limit="critical")
