"""POST /api/channel/multi_key/manage (admin): per-key status of multi-key channels — list
(previews only), enable/disable one or all, delete one (re-indexing) or every disabled key."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from clawrouter.api.routing import Routes
from clawrouter.api.validate import int_field, str_field
from clawrouter.auth.roles import ADMIN
from clawrouter.changes.change import Change
from clawrouter.db.repo import channels as channels_repo
from clawrouter.errors import ApiError
from clawrouter.http.render import ok
from clawrouter.http.request import read_object
from clawrouter.keys import CHANGES, CLOCK, MAIN_DB
from clawrouter.relay.entries import ChannelEntry

ENABLED, MANUAL, AUTO = 1, 2, 3
ALL_DISABLED = "All keys are disabled"
DEFAULT_PAGE_SIZE = 50
_STATE = ("multi_key_status_list", "multi_key_disabled_reason", "multi_key_disabled_time")


def _maps(info: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: dict(info.get(name) or {}) for name in _STATE}


def _preview(key: str) -> str:
    return key[:10] + "..."


def _key_status(info: dict[str, Any], keys: list[str], body: dict[str, Any]) -> dict[str, Any]:
    m = _maps(info)
    entries = []
    for i, key in enumerate(keys):
        entry: dict[str, Any] = {"index": i, "status": int(m[_STATE[0]].get(str(i), ENABLED))}
        if str(i) in m[_STATE[2]]:
            entry["disabled_time"] = m[_STATE[2]][str(i)]
        if str(i) in m[_STATE[1]]:
            entry["reason"] = m[_STATE[1]][str(i)]
        entries.append({**entry, "key_preview": _preview(key)})
    counts = {s: sum(1 for e in entries if e["status"] == s) for s in (ENABLED, MANUAL, AUTO)}
    wanted = int_field(body, "status")
    if wanted:
        entries = [e for e in entries if e["status"] == wanted]
    page = max(int_field(body, "page") or 1, 1)
    size = min(max(int_field(body, "page_size") or DEFAULT_PAGE_SIZE, 1), 1000)
    return {
        "keys": entries[(page - 1) * size : page * size], "total": len(entries), "page": page,
        "page_size": size, "total_pages": (len(entries) + size - 1) // size,
        "enabled_count": counts[ENABLED], "manual_disabled_count": counts[MANUAL],
        "auto_disabled_count": counts[AUTO],
    }  # fmt: skip


def _set(m: dict[str, dict[str, Any]], index: int, status: int, now: int) -> None:
    if status == ENABLED:
        for name in _STATE:
            m[name].pop(str(index), None)
    else:
        m[_STATE[0]][str(index)] = status
        m[_STATE[1]][str(index)] = "manually disabled"
        m[_STATE[2]][str(index)] = now


def _drop(m: dict[str, dict[str, Any]], keys: list[str], drop: set[int]) -> list[str]:
    """Remove the keys at `drop` and shift every per-key entry to the new indexes."""
    kept = [i for i in range(len(keys)) if i not in drop]
    if not kept:
        raise ApiError("a multi-key channel must keep at least one key")
    for name in _STATE:
        m[name] = {
            str(new): m[name][str(old)] for new, old in enumerate(kept) if str(old) in m[name]
        }
    return [keys[i] for i in kept]


def _joined(row: dict[str, Any], keys: list[str]) -> str:
    if (row["key"] or "").lstrip().startswith("["):
        return orjson.dumps([orjson.loads(k) if k.startswith("{") else k for k in keys]).decode()
    return "\n".join(keys)


def _index(body: dict[str, Any], keys: list[str]) -> int:
    index = int_field(body, "key_index")
    if index is None or not 0 <= index < len(keys):
        raise ApiError(f"key_index must be between 0 and {len(keys) - 1}")
    return index


def _apply(action: str, body: dict, keys: list[str], m: dict, now: int) -> list[str]:
    if action in ("disable_key", "enable_key"):
        _set(m, _index(body, keys), MANUAL if action == "disable_key" else ENABLED, now)
    elif action in ("disable_all_keys", "enable_all_keys"):
        for i in range(len(keys)):
            _set(m, i, MANUAL if action == "disable_all_keys" else ENABLED, now)
    elif action == "delete_key":
        keys = _drop(m, keys, {_index(body, keys)})
    elif action == "delete_disabled_keys":
        disabled = {int(i) for i, s in m[_STATE[0]].items() if int(s) != ENABLED}
        keys = _drop(m, keys, disabled) if disabled else keys
    else:
        raise ApiError(f"unknown action {action!r}")
    return keys


async def manage_multi_key(request: web.Request) -> web.Response:
    body = await read_object(request)
    app = request.config_dict
    cid = int_field(body, "channel_id")
    row = await channels_repo.get_channel(app[MAIN_DB], cid or 0)
    if row is None:
        raise ApiError("channel not found")
    entry = ChannelEntry.from_row(row)
    if not entry.info.get("is_multi_key"):
        raise ApiError("this channel is not a multi-key channel")
    action = str_field(body, "action") or ""
    if action == "get_key_status":
        return ok(_key_status(entry.info, entry.keys, body))
    m = _maps(entry.info)
    keys = _apply(action, body, entry.keys, m, int(app[CLOCK]()))
    info = {**entry.info, **m, "multi_key_size": len(keys)}
    changes: dict[str, Any] = {
        "key": _joined(row, keys),
        "channel_info": orjson.dumps(info).decode(),
    }
    enabled = [i for i in range(len(keys)) if int(m[_STATE[0]].get(str(i), ENABLED)) == ENABLED]
    if not enabled and row["status"] == ENABLED:
        changes["status"] = AUTO
        other = {
            **entry.other_info,
            "status_reason": ALL_DISABLED,
            "status_time": int(app[CLOCK]()),
        }
        changes["other_info"] = orjson.dumps(other).decode()
    elif enabled and row["status"] == AUTO:
        changes["status"] = ENABLED
    await channels_repo.update_channel(app[MAIN_DB], row["id"], changes)
    await app[CHANGES].publish(Change("channel", [row["id"]]))
    return ok()


def routes(r: Routes) -> None:
    r.add("POST", "/channel/multi_key/manage", manage_multi_key, ADMIN)
