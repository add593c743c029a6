"""Video task routes: submit (relay.video.submit), read a task back, and stream its video.

/v1/videos… speak OpenAI's Videos API (errors in the OpenAI shape, which the SDK reads);
/v1/video/generations… are new-api's unified routes (errors as new-api's task errors,
`{"code", "message", "data": null}`). A client sees only its own tasks; an unknown id is a 404.
The content is streamed from the upstream to the client chunk by chunk, never held whole.
A submit runs to its end even when the client hangs up (shielded): a task the upstream accepted
is always recorded and charged, never left running unbilled."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from aiohttp import web

from clawrouter.auth.middleware import authenticate, session_middleware
from clawrouter.auth.roles import COMMON
from clawrouter.auth.sessions import COOKIE
from clawrouter.db.repo import tasks as tasks_repo
from clawrouter.errors import BadRequestError, ClawError, NotFoundError, ServiceUnavailableError
from clawrouter.http.outbound_guard import FetchRefused, origin
from clawrouter.http.render import json_response
from clawrouter.http.request import client_ip
from clawrouter.keys import CONFIG, HTTP, OUTBOUND, RELAY
from clawrouter.relay import upstream
from clawrouter.relay.attempt import channel_view
from clawrouter.relay.keyauth import authenticate_key, raw_key
from clawrouter.relay.pipeline import to_client_error
from clawrouter.relay.providers import video
from clawrouter.relay.video.submit import remix, submit
from clawrouter.relay.video.tasks import loads, task_dto, video_object
from clawrouter.wire.status import TaskStatus

log = logging.getLogger(__name__)
CHUNK = 64 * 1024
_PASSED_HEADERS = ("Content-Type", "Content-Length", "Content-Disposition", "Last-Modified")


async def _own_task(request: web.Request, user_id: int | None = None) -> dict[str, Any]:
    """The caller's task named in the path: the API key's user, or `user_id` when given."""
    state = request.app[RELAY]
    if user_id is None:
        ip = client_ip(request, request.app[CONFIG].server.trust_forwarded_for)
        user_id = authenticate_key(state, request, ip).user.id
    task_id = request.match_info["task_id"]
    row = await tasks_repo.get_task(state.db, task_id, user_id)
    if row is None:
        raise NotFoundError(f"task {task_id} does not exist", code="task_not_exist")
    return row


def _task_error(e: ClawError) -> web.Response:
    """new-api's task error body, for the unified routes."""
    return json_response(
        {"code": e.code or "task_error", "message": e.message, "data": None}, status=e.status
    )


async def create_video(request: web.Request) -> web.Response:
    return await asyncio.shield(submit(request))


async def remix_video(request: web.Request) -> web.Response:
    return await asyncio.shield(remix(request))


async def submit_generation(request: web.Request) -> web.Response:
    try:
        return await asyncio.shield(submit(request))
    except ClawError as e:
        return _task_error(e)


async def retrieve_video(request: web.Request) -> web.Response:
    return json_response(video_object(await _own_task(request)))


async def retrieve_generation(request: web.Request) -> web.Response:
    try:
        row = await _own_task(request)
    except ClawError as e:
        return _task_error(e)
    base = f"{request.scheme}://{request.host}"
    return json_response({"code": "success", "message": "", "data": task_dto(row, base)})


async def video_content(request: web.Request) -> web.StreamResponse:
    """GET /v1/videos/{id}/content: the upstream's bytes passed through as they arrive. An API
    key, or (as new-api's TokenOrUserAuth) the console's login session with New-Api-User."""
    if not raw_key(request) and COOKIE in request.cookies:
        return await session_middleware(request, _content_for_session)
    return await _content(request, await _own_task(request))


async def _content_for_session(request: web.Request) -> web.StreamResponse:
    caller = await authenticate(request, COMMON)
    return await _content(request, await _own_task(request, caller["id"]))


async def _content(request: web.Request, row: dict[str, Any]) -> web.StreamResponse:
    if row["status"] != TaskStatus.SUCCESS:
        raise BadRequestError(
            f"video {row['task_id']} is not ready (status {row['status']})",
            code="task_not_finished",
        )
    state = request.app[RELAY]
    ch = state.channels.get(row["channel_id"])
    adapter = video.video_adapter_for(ch.type) if ch is not None else None
    private = loads(row["private_data"])
    call = None
    if ch is not None and adapter is not None:
        index = int(private.get("key_index") or 0)
        key = ch.keys[index] if 0 <= index < len(ch.keys) else ch.keys[0]
        view = channel_view(ch, key)
        upstream_id = str(private.get("upstream_task_id") or "")
        call = adapter.content_call(upstream_id, loads(row["data"]), view, dict(request.query))
    if call is None:
        raise ServiceUnavailableError(
            "the channel that made this video is gone or cannot serve its content",
            code="task_content_unavailable",
        )
    limits = upstream.timeout_for(request.app[CONFIG].relay, True)
    if origin(call.url) != origin(adapter.base_url(view)):  # an address the upstream named
        return await _foreign_content(request, call, adapter, limits)
    resp = await upstream.send(request.app[HTTP], call, limits)
    if resp.status != 200:
        raise to_client_error(await upstream.read_error(resp, adapter))
    return await _pipe(request, resp)


async def _foreign_content(
    request: web.Request, call: Any, adapter: Any, limits: aiohttp.ClientTimeout
) -> web.StreamResponse:
    """A result URL off the channel's origin goes through the outbound guard (fetch_setting.*),
    as new-api's video proxy; a refused address is a 400, never fetched."""
    try:
        async with request.app[OUTBOUND].request(
            call.method, call.url, headers=dict(call.headers), timeout=limits
        ) as resp:
            if resp.status != 200:
                raise to_client_error(await upstream.read_error(resp, adapter))
            return await _pipe(request, resp)
    except FetchRefused as e:
        raise BadRequestError(
            f"the video's address is not allowed: request reject: {e}", code="fetch_refused"
        ) from None


async def _pipe(request: web.Request, resp: aiohttp.ClientResponse) -> web.StreamResponse:
    headers = {h: resp.headers[h] for h in _PASSED_HEADERS if h in resp.headers}
    headers.setdefault("Content-Type", "application/octet-stream")
    out = web.StreamResponse(status=200, headers=headers)
    try:
        await out.prepare(request)
        async for chunk in resp.content.iter_chunked(CHUNK):
            await out.write(chunk)
        await out.write_eof()
    except (aiohttp.ClientPayloadError, aiohttp.ClientConnectionError, TimeoutError) as e:
        # The headers are out: cut the connection so the client sees an incomplete body.
        log.warning("video content from the upstream broke off: %s", type(e).__name__)
        if request.transport is not None:
            request.transport.abort()
    finally:
        resp.close()
    return out


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/v1/videos", create_video)
    r.add_get("/v1/videos/{task_id}", retrieve_video)
    r.add_get("/v1/videos/{task_id}/content", video_content)
    r.add_post("/v1/videos/{task_id}/remix", remix_video)
    r.add_post("/v1/video/generations", submit_generation)
    r.add_get("/v1/video/generations/{task_id}", retrieve_generation)
