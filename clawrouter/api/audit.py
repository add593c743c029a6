"""Log rows written by management actions (LogType TOPUP, MANAGE and SYSTEM),
inserted straight into the log store so they are visible at once."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from clawrouter.db.repo import usage as usage_repo
from clawrouter.keys import CLOCK, LOG_DB
from clawrouter.wire.status import LogType


async def write_log(
    request: web.Request,
    user: dict[str, Any],
    log_type: LogType,
    content: str,
    *,
    quota: int = 0,
    other: dict[str, Any] | None = None,
) -> None:
    """One log row about `user` (a users row or a dict with id and username)."""
    app = request.config_dict
    fields: dict[str, Any] = {
        "user_id": user["id"],
        "created_at": int(app[CLOCK]()),
        "type": log_type,
        "content": content,
        "username": user["username"],
        "quota": quota,
        "other": orjson.dumps(other).decode() if other else "",
    }
    text_columns = {"content", "username", "token_name", "model_name", "group", "ip"}
    text_columns |= {"request_id", "upstream_request_id", "other"}
    row = tuple(fields.get(c, "" if c in text_columns else 0) for c in usage_repo.LOG_COLUMNS)
    await usage_repo.insert_logs(app[LOG_DB], [row], [])
