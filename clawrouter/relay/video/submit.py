"""Submitting a video task (POST /v1/videos, POST /v1/video/generations): authenticate, price
per call × the adapter's ratios (seconds, size), pre-consume that amount in full (no trust
bypass, as new-api), try the channels (failover before the task exists upstream), then write
the tasks row, charge the pre-consumed amount and log it. jobs.task_poller takes it from there
and refunds it when the task fails or times out."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from clawrouter.billing import pricing
from clawrouter.db.repo import tasks as tasks_repo
from clawrouter.errors import BadRequestError, NotFoundError, ServiceUnavailableError
from clawrouter.http.render import json_response
from clawrouter.http.request import client_ip
from clawrouter.keys import CONFIG, HTTP, RELAY
from clawrouter.relay import overrides, upstream
from clawrouter.relay.attempt import channel_view, key_and_model
from clawrouter.relay.entries import ChannelEntry
from clawrouter.relay.job import Job
from clawrouter.relay.keyauth import authenticate_key
from clawrouter.relay.pipeline import parse_body, run_job, start_job
from clawrouter.relay.providers import video
from clawrouter.relay.providers.base import UpstreamError
from clawrouter.relay.quota import Charge
from clawrouter.relay.records import record_consume
from clawrouter.relay.state import RelayState
from clawrouter.relay.video.tasks import VIDEO, loads, public_task_id
from clawrouter.wire.formats import Format
from clawrouter.wire.status import ChannelStatus, TaskStatus
from clawrouter.wire.usage import Usage


@dataclass(frozen=True, slots=True)
class Remix:
    """A remix of a finished task: its upstream id and the ratios it was priced with."""

    task_id: str
    upstream_id: str
    ratios: dict[str, float]
    size: str | None


@dataclass(frozen=True, slots=True)
class How:
    files: list[video.FilePart] | None = None  # None: the client sent JSON
    remix: Remix | None = None


def check_video_body(body: dict[str, Any]) -> None:
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise BadRequestError("Invalid request: prompt must be a non-empty string", param="prompt")
    for name in ("size", "image"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise BadRequestError(f"Invalid request: {name} must be a string", param=name)
    for name in ("seconds", "duration"):
        if body.get(name) is not None and video.as_int(body[name]) <= 0:
            raise BadRequestError(
                f"Invalid request: {name} must be a number of seconds",
                param=name,
            )


async def read_form(request: web.Request) -> tuple[dict[str, Any], list[video.FilePart]] | None:
    """The fields and files of a multipart/form-data submit (the openai SDK's videos.create
    sends one); None for a JSON body."""
    if request.content_type != "multipart/form-data":
        return None
    try:
        form = await request.post()
    except ValueError as e:
        raise BadRequestError(f"Invalid request: the multipart body cannot be read ({e})") from None
    fields: dict[str, Any] = {}
    files = []
    for name, value in form.items():
        if isinstance(value, web.FileField):
            data = value.file.read()
            kind = value.content_type or "application/octet-stream"
            files.append(video.FilePart(name, value.filename, kind, data))
        else:
            fields[name] = value
    return fields, files


def task_settlement(
    state: RelayState, price: pricing.Price, ratios: dict[str, float]
) -> tuple[pricing.Settlement, Usage]:
    """Per call: model_price × QuotaPerUnit × group ratio × Π ratios. A model with only a
    ModelRatio is priced as PreConsumedQuota tokens × its ratio × Π ratios."""
    usage = Usage() if price.per_call else Usage(prompt_tokens=state.options["PreConsumedQuota"])
    settlement = pricing.settle_quota(
        price, usage, quota_per_unit=int(state.options["QuotaPerUnit"]), other_ratios=ratios
    )
    return settlement, usage


async def _reserve_exactly(state: RelayState, job: Job, amount: int) -> None:
    """Hold `amount` for this task, whatever the pipeline reserved (tasks pre-consume in full)."""
    charge = job.charge
    assert charge is not None
    if charge.reserved == amount and not charge.done:
        return
    charge.refund()
    job.charge = Charge(state, job.caller.token, job.caller.user)
    await job.charge.reserve(amount)


def _price(state: RelayState, job: Job, group: str) -> pricing.Price:
    user = job.caller.user
    self_use = state.options["SelfUseModeEnabled"] or bool(
        user.setting.get("accept_unset_model_ratio_model")
    )
    return state.price(job.model, group, user.group, self_use)


def _unsupported(ch: ChannelEntry) -> UpstreamError:
    return UpstreamError(
        400, f"channel type {ch.type} does not serve video tasks",
        type="invalid_request_error", code="task_unsupported_channel", local=True,
    )  # fmt: skip


async def _attempt(
    request: web.Request, state: RelayState, job: Job, ch: ChannelEntry, how: How
) -> web.Response:
    adapter = video.video_adapter_for(ch.type)
    if adapter is None:
        raise _unsupported(ch)
    key = key_and_model(state, job, ch)
    assert job.price is not None
    view = channel_view(ch, key)
    if how.remix is None:
        ratios = adapter.billing_ratios(job.body)
        call = adapter.submit_call(job.body, job.upstream_model, view, how.files)
    elif isinstance(adapter, video.SoraAdapter):
        ratios = dict(how.remix.ratios)  # priced as the video it remixes, as new-api
        call = adapter.remix_call(how.remix.upstream_id, job.body, view)
    else:
        raise _unsupported(ch)
    settlement, usage = task_settlement(state, job.price, ratios)
    await _reserve_exactly(state, job, settlement.quota)
    overrides.apply_header_override(ch.header_override, call.headers, request.headers, key)
    resp = await upstream.send(request.app[HTTP], call, upstream.timeout_for(_cfg(request), False))
    if resp.status // 100 != 2:
        raise await upstream.read_error(resp, adapter)
    upstream_id, data = adapter.parse_submit(resp.status, await upstream.read_body(resp))
    job.frt_ms = max(1, int((time.perf_counter() - job.started) * 1000))
    task_id = public_task_id()
    await _insert_task(state, job, ch, task_id, upstream_id, data, settlement.quota, ratios, how)
    assert job.charge is not None
    job.charge.settle(settlement.quota, ch.id, int(state.clock()))
    job.content_notes.append(f"video task {task_id}")
    if ratios:
        job.content_notes.append(", ".join(f"{k} × {v:g}" for k, v in ratios.items()))
    record_consume(state, job, settlement, usage)
    answer = {**data, "id": task_id}
    if "task_id" in data or "/video/generations" in request.path:
        answer["task_id"] = task_id
    return json_response(answer)


def _cfg(request: web.Request):
    return request.app[CONFIG].relay


async def _insert_task(
    state: RelayState, job: Job, ch: ChannelEntry, task_id: str, upstream_id: str,
    data: dict[str, Any], quota: int, ratios: dict[str, float], how: How,
) -> None:  # fmt: skip
    now = int(state.clock())
    body = job.body
    seconds = ratios.get("seconds")
    properties = {
        "input": body.get("prompt"),
        "origin_model_name": job.model,
        "upstream_model_name": job.upstream_model,
        "seconds": str(int(seconds)) if seconds else body.get("seconds"),
        "size": how.remix.size if how.remix else body.get("size"),
        "remixed_from": how.remix.task_id if how.remix else None,
    }
    private = {
        "upstream_task_id": upstream_id,
        "key_index": job.key_index,
        "token_id": job.caller.token.id,
        "request_id": job.request_id,
        "other_ratios": ratios,
    }
    action = "generate" if body.get("image") or how.files else "textGenerate"
    if how.remix is not None:
        action = "remixGenerate"
    await tasks_repo.insert_task(
        state.db,
        {
            "created_at": now, "updated_at": now, "task_id": task_id, "platform": str(ch.type),
            "user_id": job.caller.user.id, "group": job.group, "channel_id": ch.id,
            "quota": quota, "action": action, "status": TaskStatus.SUBMITTED, "submit_time": now,
            "progress": "0%", "properties": orjson.dumps(properties).decode(),
            "private_data": orjson.dumps(private).decode(), "data": orjson.dumps(data).decode(),
        },
    )  # fmt: skip


async def submit(request: web.Request) -> web.Response:
    """POST /v1/videos and /v1/video/generations: the upstream's answer with our task id."""
    form = await read_form(request)
    body, files = form if form is not None else (None, None)
    state, job = await start_job(request, Format.OPENAI, VIDEO, body=body)
    assert job.charge is not None
    try:
        check_video_body(job.body)
        return await _run(request, state, job, How(files=files))
    except BaseException:
        job.charge.refund()
        raise


async def _run(request: web.Request, state: RelayState, job: Job, how: How) -> web.Response:
    """The text relay's channel loop (pipeline.run_job), each attempt a video submit."""

    async def submit(request: web.Request, state: RelayState, job: Job, ch: ChannelEntry, *_):
        job.channel = ch
        return await _attempt(request, state, job, ch, how)

    response = await run_job(request, state, job, attempt_fn=submit)
    assert isinstance(response, web.Response)
    return response


async def remix(request: web.Request) -> web.Response:
    """POST /v1/videos/{task_id}/remix: a new task on the channel that made the original,
    priced with the original's ratios."""
    state = request.app[RELAY]
    caller = authenticate_key(
        state, request, client_ip(request, request.app[CONFIG].server.trust_forwarded_for)
    )
    body = await parse_body(request)
    origin = await tasks_repo.get_task(state.db, request.match_info["task_id"], caller.user.id)
    if origin is None:
        raise NotFoundError(
            f"task {request.match_info['task_id']} does not exist", code="task_not_exist"
        )
    props, private = loads(origin["properties"]), loads(origin["private_data"])
    ch = state.channels.get(origin["channel_id"])
    if ch is None or ch.status != ChannelStatus.ENABLED:
        raise ServiceUnavailableError(
            "the channel that made this video is not available", code="channel_disabled"
        )
    body["model"] = props.get("origin_model_name") or ""
    state, job = await start_job(request, Format.OPENAI, VIDEO, caller=caller, body=body)
    assert job.charge is not None
    job.routes = [(origin["group"] or job.group, [[ch]])]  # _run reprices a different group
    how = How(
        remix=Remix(
            origin["task_id"], str(private.get("upstream_task_id") or ""),
            dict(private.get("other_ratios") or {}), props.get("size"),
        )
    )  # fmt: skip
    try:
        check_video_body(job.body)
        return await _run(request, state, job, how)
    except BaseException:
        job.charge.refund()
        raise
