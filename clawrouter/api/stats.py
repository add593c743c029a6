"""/api/data: the dashboard's hourly usage aggregates (quota_data in the log store), grouped
by model or by user for admins, and a user's own rows. Read-only; the usage writer fills it."""

from __future__ import annotations

from aiohttp import web

from clawrouter.api.routing import Routes
from clawrouter.auth.roles import ADMIN, COMMON
from clawrouter.db.repo import stats as stats_repo
from clawrouter.errors import ApiError
from clawrouter.http.render import ok
from clawrouter.http.request import query_int
from clawrouter.keys import CALLER, LOG_DB

SELF_MAX_SPAN = 30 * 86400  # seconds a user may ask for at once


def _span(request: web.Request) -> tuple[int, int]:
    start = query_int(request, "start_timestamp")
    end = query_int(request, "end_timestamp")
    if start and end and end < start:
        raise ApiError("end_timestamp must not be before start_timestamp")
    return start, end


async def quota_data(request: web.Request) -> web.Response:
    """Without username: sums per (model_name, hour); with one: that user's rows."""
    start, end = _span(request)
    db, username = request.config_dict[LOG_DB], request.query.get("username", "")
    if username:
        return ok(await stats_repo.quota_rows(db, start, end, username=username))
    return ok(await stats_repo.quota_by_model(db, start, end))


async def quota_data_by_user(request: web.Request) -> web.Response:
    start, end = _span(request)
    return ok(await stats_repo.quota_by_user(request.config_dict[LOG_DB], start, end))


async def own_quota_data(request: web.Request) -> web.Response:
    start, end = _span(request)
    if not start or not end:
        raise ApiError("start_timestamp and end_timestamp are required")
    if end - start > SELF_MAX_SPAN:
        raise ApiError("the time span must not exceed 30 days")
    rows = await stats_repo.quota_rows(
        request.config_dict[LOG_DB], start, end, user_id=request[CALLER]["id"]
    )
    return ok(rows)


def routes(r: Routes) -> None:
    r.add("GET", "/data/", quota_data, ADMIN)
    r.add("GET", "/data/users", quota_data_by_user, ADMIN)
    r.add("GET", "/data/self", own_quota_data, COMMON)
