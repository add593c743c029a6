"""/api/token (any logged-in user, always scoped to the caller's own keys): list, get, create,
update, delete and reveal API keys. Keys are stored without `sk-` and shown masked; the full key
is returned once on create and by the rate-limited reveal route. Writes refresh the relay."""

from __future__ import annotations

import ipaddress
import re
import secrets
import string
from typing import Any

import orjson
from aiohttp import web

from clawrouter.api.routing import Routes
from clawrouter.api.validate import (
    bool_field,
    comma_list,
    id_list,
    int_field,
    required_id,
    str_field,
)
from clawrouter.auth.roles import COMMON
from clawrouter.changes.change import Change
from clawrouter.db.repo import tokens as tokens_repo
from clawrouter.errors import ApiError
from clawrouter.http.render import ok, page
from clawrouter.http.request import pagination, path_id, read_object
from clawrouter.keys import CALLER, CHANGES, CLOCK, MAIN_DB, OPTIONS, RELAY
from clawrouter.wire.status import TokenStatus

NOT_FOUND = "token not found"
KEY_ALPHABET = string.ascii_letters + string.digits
KEY_LENGTH = 48
MAX_NAME = 50
MAX_SEARCH = 100
MAX_BATCH_KEYS = 100
SETTABLE_STATUSES = (TokenStatus.ENABLED, TokenStatus.DISABLED)  # the relay sets the others
_IP_SEPARATORS = re.compile(r"[\s,]+")


def mask_key(key: str) -> str:
    if len(key) <= 4:
        return "*" * len(key)
    if len(key) <= 8:
        return key[:2] + "****" + key[-2:]
    return key[:4] + "*" * 10 + key[-4:]


def new_key() -> str:
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))


def _auto_groups(text: str) -> list[str] | None:
    try:
        groups = orjson.loads(text) if text else None
    except orjson.JSONDecodeError:
        return None
    if not isinstance(groups, list):
        return None
    return [g for g in groups if isinstance(g, str)] or None


def token_view(row: dict[str, Any], live: Any = None, *, key: str | None = None) -> dict:
    """A token as the API shows it (masked key unless `key` is given); `live` is the relay's
    entry, whose balance includes usage not flushed yet."""
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "key": mask_key(row["key"]) if key is None else key,
        "status": live.status if live is not None else row["status"],
        "name": row["name"],
        "created_time": row["created_time"],
        "accessed_time": row["accessed_time"],
        "expired_time": row["expired_time"],
        "remain_quota": live.remain_quota if live is not None else row["remain_quota"],
        "unlimited_quota": bool(row["unlimited_quota"]),
        "model_limits_enabled": bool(row["model_limits_enabled"]),
        "model_limits": row["model_limits"],
        "allow_ips": row["allow_ips"],
        "used_quota": live.used_quota if live is not None else row["used_quota"],
        "group": row["group"],
        "cross_group_retry": bool(row["cross_group_retry"]),
        "auto_groups": _auto_groups(row["auto_groups"]),
    }


def _no_store(response: web.Response) -> web.Response:
    """Responses carrying a full key must not be cached."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _view(request: web.Request, row: dict[str, Any], **kw: Any) -> dict[str, Any]:
    relay = request.config_dict[RELAY]  # a shared ledger's balances: the store's columns
    live = relay.tokens_by_id.get(row["id"]) if relay.ledger.in_memory else None
    return token_view(row, live, **kw)


# ---- validation ---------------------------------------------------------------------------------
def _allow_ips(text: str) -> str:
    entries = [e for e in _IP_SEPARATORS.split(text) if e]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ApiError(f"allow_ips: {entry!r} is not an IP address or CIDR range") from None
    return "\n".join(entries)


def _group(request: web.Request, group: str) -> str:
    group = group.strip()
    if group in ("", "auto"):
        return group
    usable = request.config_dict[RELAY].usable_groups(request[CALLER]["group"] or "default")
    if group not in usable:
        raise ApiError(f"group {group!r} is not available to you")
    return group


def _quota_fields(request: web.Request, body: dict, stored: dict | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    unlimited = bool_field(body, "unlimited_quota")
    if unlimited is not None:
        out["unlimited_quota"] = int(unlimited)
    if unlimited is None:
        unlimited = bool(stored and stored["unlimited_quota"])
    high = None if unlimited else int(1e9 * request.config_dict[OPTIONS]["QuotaPerUnit"])
    remain = int_field(body, "remain_quota", low=0, high=high)
    if remain is not None:
        out["remain_quota"] = remain
    return out


def _token_fields(request: web.Request, body: dict, stored: dict | None) -> dict[str, Any]:
    """Validated columns from a create (stored None) or full-update body; absent fields are
    left out so an update keeps them."""
    out = _quota_fields(request, body, stored)
    name = str_field(body, "name", max_len=MAX_NAME)
    if name is not None:
        out["name"] = name.strip()
    if stored is None and not out.get("name"):
        raise ApiError("name is required")
    expired = int_field(body, "expired_time", low=-1)
    if expired is not None:
        if stored is None and expired != -1 and expired <= request.config_dict[CLOCK]():
            raise ApiError("expired_time must be -1 (never) or a unix time in the future")
        out["expired_time"] = expired
    for key in ("model_limits_enabled", "cross_group_retry"):
        flag = bool_field(body, key)
        if flag is not None:
            out[key] = int(flag)
    texts = {k: str_field(body, k) for k in ("model_limits", "allow_ips", "group")}
    if texts["model_limits"] is not None:
        out["model_limits"] = ",".join(comma_list(texts["model_limits"]))
    if texts["allow_ips"] is not None:
        out["allow_ips"] = _allow_ips(texts["allow_ips"])
    if texts["group"] is not None:
        out["group"] = _group(request, texts["group"])
    if out.get("group", stored["group"] if stored else "") != "auto":
        out["cross_group_retry"] = 0  # only meaningful for the auto group
    return out


def _check_enable(stored: dict[str, Any], live: Any, now: float) -> None:
    """Refuse to re-enable a key that would be refused at once: expired or used up."""
    if stored["status"] == TokenStatus.ENABLED:
        return
    if stored["expired_time"] != -1 and stored["expired_time"] <= now:
        raise ApiError("this key has expired: extend expired_time before enabling it")
    remain = live.remain_quota if live is not None else stored["remain_quota"]
    if remain <= 0 and not stored["unlimited_quota"]:
        raise ApiError("this key's quota is used up: raise remain_quota before enabling it")


# ---- handlers -----------------------------------------------------------------------------------
async def _own_token(request: web.Request, token_id: int) -> dict[str, Any]:
    row = await tokens_repo.get_token(request.config_dict[MAIN_DB], token_id, request[CALLER]["id"])
    if row is None:
        raise ApiError(NOT_FOUND)
    return row


async def list_tokens(request: web.Request) -> web.Response:
    p, size = pagination(request)
    rows, total = await tokens_repo.list_user_tokens(
        request.config_dict[MAIN_DB], request[CALLER]["id"], (p - 1) * size, size
    )
    return page([_view(request, r) for r in rows], total, p, size)


async def get_token(request: web.Request) -> web.Response:
    return ok(_view(request, await _own_token(request, path_id(request))))


async def create_token(request: web.Request) -> web.Response:
    body = await read_object(request)
    app, uid = request.config_dict, request[CALLER]["id"]
    fields = _token_fields(request, body, None)
    now, key = int(app[CLOCK]()), new_key()
    row = {
        "expired_time": -1, "remain_quota": 0, "unlimited_quota": 0, "model_limits_enabled": 0,
        "model_limits": "", "allow_ips": "", "group": "", "cross_group_retry": 0, **fields,
        "user_id": uid, "key": key, "status": TokenStatus.ENABLED, "created_time": now,
        "accessed_time": now,
    }  # fmt: skip
    limit = app[OPTIONS]["token_setting.max_user_tokens"]
    token_id = await tokens_repo.create_token(app[MAIN_DB], row, limit)
    if token_id is None:
        raise ApiError(f"you already have the maximum number of API keys ({limit})")
    await app[CHANGES].publish(Change("token", token_id))
    created = await _own_token(request, token_id)
    return _no_store(ok(_view(request, created, key="sk-" + key)))


async def update_token(request: web.Request) -> web.Response:
    body = await read_object(request)
    token_id = required_id(body)
    app = request.config_dict
    stored = await _own_token(request, token_id)
    status = int_field(body, "status")
    if status == TokenStatus.ENABLED:
        _check_enable(stored, app[RELAY].tokens_by_id.get(token_id), app[CLOCK]())
    if request.query.get("status_only"):
        if status not in SETTABLE_STATUSES:
            raise ApiError("status must be 1 (enabled) or 2 (disabled)")
        changes: dict[str, Any] = {"status": status}
    else:
        changes = _token_fields(request, body, stored)
    await app[RELAY].ledger.update_token(token_id, changes)  # remain_quota is set exactly
    await app[CHANGES].publish(Change("token", token_id), here=False)  # the ledger reloaded it
    return ok(_view(request, await _own_token(request, token_id)))


async def delete_token(request: web.Request) -> web.Response:
    token_id = path_id(request)
    app = request.config_dict
    uid, now = request[CALLER]["id"], int(app[CLOCK]())
    if not await tokens_repo.soft_delete_tokens(app[MAIN_DB], uid, [token_id], now):
        raise ApiError(NOT_FOUND)
    await app[CHANGES].publish(Change("token", token_id))
    return ok()


async def reveal_token_key(request: web.Request) -> web.Response:
    row = await _own_token(request, path_id(request))
    return _no_store(ok({"key": row["key"]}))


def _pattern(text: str, what: str) -> str:
    """A LIKE pattern: exact unless `%` is given (at most 2, and 2 other characters)."""
    escaped = text.replace("!", "!!").replace("_", "!_")
    if "%" in text and (text.count("%") > 2 or len(text.replace("%", "")) < 2):
        raise ApiError(f"{what}: at most 2 % wildcards and at least 2 other characters")
    return escaped


async def search_tokens(request: web.Request) -> web.Response:
    """?keyword= (name) &token= (key, sk- stripped): exact unless `%` is used; ≤ 100 rows."""
    app, uid = request.config_dict, request[CALLER]["id"]
    name = request.query.get("keyword", "").strip()
    key = request.query.get("token", "").strip().removeprefix("sk-")
    name_p, key_p = _pattern(name, "keyword"), _pattern(key, "token")
    if "%" in name + key:
        limit = app[OPTIONS]["token_setting.max_user_tokens"]
        if await tokens_repo.count_user_tokens(app[MAIN_DB], uid) > limit:
            raise ApiError("too many API keys for a fuzzy search; search for an exact name")
    p, size = pagination(request)
    offset = (p - 1) * size
    rows, total = await tokens_repo.list_user_tokens(
        app[MAIN_DB], uid, offset, max(min(size, MAX_SEARCH - offset), 0), name=name_p, key=key_p
    )
    return page([_view(request, r) for r in rows], min(total, MAX_SEARCH), p, size)


async def delete_tokens(request: web.Request) -> web.Response:
    ids = id_list(await read_object(request))
    app = request.config_dict
    count = await tokens_repo.soft_delete_tokens(
        app[MAIN_DB], request[CALLER]["id"], ids, int(app[CLOCK]())
    )
    await app[CHANGES].publish(Change("token", ids))
    return ok(count)


async def reveal_token_keys(request: web.Request) -> web.Response:
    ids = id_list(await read_object(request), max_len=MAX_BATCH_KEYS)
    rows = await tokens_repo.get_user_tokens(
        request.config_dict[MAIN_DB], request[CALLER]["id"], ids
    )
    return _no_store(ok({"keys": {str(r["id"]): r["key"] for r in rows}}))


def routes(r: Routes) -> None:
    r.add("GET", "/token/", list_tokens, COMMON)
    r.add("POST", "/token/", create_token, COMMON)
    r.add("PUT", "/token/", update_token, COMMON)
    r.add("GET", "/token/search", search_tokens, COMMON, limit="search")
    r.add("POST", "/token/batch", delete_tokens, COMMON)
    r.add("POST", "/token/batch/keys", reveal_token_keys, COMMON, limit="critical")
    r.add("GET", "/token/{id}", get_token, COMMON)
    r.add("DELETE", "/token/{id}", delete_token, COMMON)
    r.add("POST", "/token/{id}/key", reveal_token_key, COMMON, limit="critical")
