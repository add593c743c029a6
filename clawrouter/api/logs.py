"""/api/log: the request and consume log lists. Admins see every user's rows with channel names;
/self shows the caller's own, with ids renumbered and admin-only details removed from `other`.
Reads the log store only (the relay's usage writer inserts the rows)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiohttp import web

from clawrouter.api.routing import Routes
from clawrouter.auth.roles import ADMIN, COMMON, PUBLIC
from clawrouter.db.repo import logs as logs_repo
from clawrouter.db.repo.logs import LogFilter
from clawrouter.errors import ApiError
from clawrouter.http.render import ok, page
from clawrouter.http.request import bearer, pagination, query_int
from clawrouter.keys import CALLER, CLOCK, LOG_DB, RELAY
from clawrouter.relay.keyauth import read_only_token

SELF_COUNT_CAP = 10_000
TOKEN_LOG_LIMIT = 1000  # the reference's MaxRecentItems
DELETE_BATCH = 1000  # rows per delete transaction; the usage writer gets the lock in between
STAT_WINDOW = 60  # seconds behind rpm / tpm
_ADMIN_ONLY = ("admin_info", "stream_status")


def log_view(row: dict[str, Any], channel_name: str = "") -> dict[str, Any]:
    out = {
        "id": row["id"],
        "user_id": row["user_id"],
        "created_at": row["created_at"],
        "type": row["type"],
        "content": row["content"],
        "username": row["username"],
        "token_name": row["token_name"],
        "model_name": row["model_name"],
        "quota": row["quota"],
        "prompt_tokens": row["prompt_tokens"],
        "completion_tokens": row["completion_tokens"],
        "use_time": row["use_time"],
        "is_stream": bool(row["is_stream"]),
        "channel": row["channel_id"],
        "channel_name": channel_name,
        "token_id": row["token_id"],
        "group": row["group"],
        "ip": row["ip"],
    }
    for key in ("request_id", "upstream_request_id"):  # omitted when empty, as the reference
        if row[key]:
            out[key] = row[key]
    out["other"] = row["other"]
    return out


def user_other(text: str) -> str:
    """`other` without the admin-only keys (left as stored when it is not a JSON object)."""
    try:
        other = orjson.loads(text) if text else None
    except orjson.JSONDecodeError:
        return text
    if not isinstance(other, dict) or not any(k in other for k in _ADMIN_ONLY):
        return text
    return orjson.dumps({k: v for k, v in other.items() if k not in _ADMIN_ONLY}).decode()


def like_pattern(text: str) -> str:
    """The reference's sanitised LIKE for user searches: `_` and `!` are literal (escaped with
    '!'); `%` is a wildcard, at most two, not doubled, with at least 2 other characters."""
    text = text.replace("!", "!!").replace("_", "!_")
    if "%%" in text:
        raise ApiError("model_name: consecutive % wildcards are not allowed")
    if text.count("%") > 2:
        raise ApiError("model_name: at most two % wildcards are allowed")
    if "%" in text and len(text.replace("%", "")) < 2:
        raise ApiError("model_name: a fuzzy search needs at least 2 characters besides %")
    return text


def _filter(request: web.Request, **fields: Any) -> LogFilter:
    q = request.query
    return LogFilter(
        type=query_int(request, "type"),
        start=query_int(request, "start_timestamp"),
        end=query_int(request, "end_timestamp"),
        token_name=q.get("token_name", ""),
        group=q.get("group", ""),
        request_id=q.get("request_id", ""),
        **fields,
    )


async def list_logs(request: web.Request) -> web.Response:
    p, size = pagination(request)
    f = _filter(
        request,
        username=request.query.get("username", ""),
        model_name=request.query.get("model_name", ""),
        channel=query_int(request, "channel"),
    )
    rows, total = await logs_repo.page_logs(request.config_dict[LOG_DB], f, (p - 1) * size, size)
    channels = request.config_dict[RELAY].channels
    items = []
    for row in rows:
        ch = channels.get(row["channel_id"])
        items.append(log_view(row, ch.name if ch is not None else ""))
    return page(items, total, p, size)


async def list_own_logs(request: web.Request) -> web.Response:
    p, size = pagination(request)
    offset = (p - 1) * size
    f = _filter(
        request,
        user_id=request[CALLER]["id"],
        model_name=like_pattern(request.query.get("model_name", "")),
        model_escaped=True,
    )
    rows, total = await logs_repo.page_logs(
        request.config_dict[LOG_DB], f, offset, size, count_cap=SELF_COUNT_CAP
    )
    return page(user_logs(rows, offset), total, p, size)


def user_logs(rows: list[dict[str, Any]], offset: int = 0) -> list[dict[str, Any]]:
    """Rows as a user sees them: ids renumbered from offset + 1, admin-only details removed."""
    return [
        {**log_view(row), "id": offset + i + 1, "other": user_other(row["other"])}
        for i, row in enumerate(rows)
    ]


async def _stat(request: web.Request, f: LogFilter) -> web.Response:
    now = int(request.config_dict[CLOCK]())
    quota, rpm, tpm = await logs_repo.log_stat(request.config_dict[LOG_DB], f, now - STAT_WINDOW)
    return ok({"quota": quota, "rpm": rpm, "tpm": tpm})


async def log_stat(request: web.Request) -> web.Response:
    """Σ quota of consume logs in the range; rpm / tpm over the last minute (same filters)."""
    f = _filter(
        request,
        username=request.query.get("username", ""),
        model_name=request.query.get("model_name", ""),
        channel=query_int(request, "channel"),
    )
    return await _stat(request, f)


async def own_log_stat(request: web.Request) -> web.Response:
    f = _filter(
        request,
        user_id=request[CALLER]["id"],
        model_name=like_pattern(request.query.get("model_name", "")),
        model_escaped=True,
    )
    return await _stat(request, f)


async def token_logs(request: web.Request) -> web.Response:
    """The newest logs of one API key, read with the key itself (no login)."""
    raw = bearer(request.headers.get("Authorization", "")) or request.query.get("key", "")
    token = read_only_token(request.config_dict[RELAY], raw.strip())
    rows = await logs_repo.recent_token_logs(request.config_dict[LOG_DB], token.id, TOKEN_LOG_LIMIT)
    resp = ok(user_logs(rows))
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


async def delete_logs(request: web.Request) -> web.Response:
    """Delete logs older than target_timestamp, a short transaction per batch."""
    target = query_int(request, "target_timestamp")
    if target <= 0:
        raise ApiError("target_timestamp is required (a unix time in seconds)")
    db, total = request.config_dict[LOG_DB], 0
    while True:
        n = await logs_repo.delete_logs_batch(db, target, DELETE_BATCH)
        total += n
        if n < DELETE_BATCH:
            return ok(total)
        await asyncio.sleep(0)  # let the usage writer and readers in between batches


async def deprecated_search(request: web.Request) -> web.Response:
    raise ApiError("this endpoint is deprecated")


def routes(r: Routes) -> None:
    r.add("GET", "/log/", list_logs, ADMIN)
    r.add("DELETE", "/log/", delete_logs, ADMIN)
    r.add("GET", "/log/self", list_own_logs, COMMON)
    r.add("GET", "/log/stat", log_stat, ADMIN)
    r.add("GET", "/log/self/stat", own_log_stat, COMMON)
    r.add("GET", "/log/token", token_logs, PUBLIC, limit="critical")
    r.add("GET", "/log/search", deprecated_search, ADMIN)
    r.add("GET", "/log/self/search", deprecated_search, COMMON, limit="search")
