"""Log rows for relay requests: the consume row (type 2) and the error row (type 5), in the
column order clawrouter.db.repo.usage.LOG_COLUMNS expects."""

from __future__ import annotations

import time
from typing import Any

import orjson

from clawrouter.billing.pricing import Settlement
from clawrouter.relay.job import Job
from clawrouter.relay.providers.base import UpstreamError
from clawrouter.relay.state import RelayState
from clawrouter.wire.status import LogType
from clawrouter.wire.usage import Usage

_CONSUME = LogType.CONSUME  # read once: an Enum member costs ~0.1 µs a read (Python 3.11)


def _ip(job: Job) -> str:
    return job.ip if job.caller.user.setting.get("record_ip_log") else ""


def consume_other(job: Job, settlement: Settlement, usage: Usage) -> dict[str, Any]:
    other = settlement.log_other()
    ch = job.channel
    admin: dict[str, Any] = {"use_channel": [str(c) for c in job.tried]}
    if ch is not None and ch.multi_key:
        admin["is_multi_key"] = True
        admin["multi_key_index"] = job.key_index
    if usage.estimated:
        admin["local_count_tokens"] = True
    # in this order after the settlement's keys (admin_info stays where the settlement put it,
    # merged, when it has one); assigned one by one: an update(**kw) costs twice as much
    upstream_model = job.upstream_model
    other["frt"] = job.frt_ms
    other["request_path"] = job.path
    other["is_model_mapped"] = upstream_model != job.model
    other["upstream_model_name"] = upstream_model
    settled_admin = other.get("admin_info")
    other["admin_info"] = admin if settled_admin is None else {**settled_admin, **admin}
    if job.upstream_format and job.upstream_format != job.client_format:
        other["request_conversion"] = [job.client_format, job.upstream_format]
        other["final_request_format"] = job.upstream_format
    if job.stream:
        ok = job.end_reason == "done"
        other["stream_status"] = {"status": "ok" if ok else "error", "end_reason": job.end_reason}
    effort = job.body.get("reasoning_effort")
    if isinstance(effort, str):
        other["reasoning_effort"] = effort
    return other


def record_consume(state: RelayState, job: Job, settlement: Settlement, usage: Usage) -> None:
    options = state.options
    log_consume, export = options["LogConsumeEnabled"], options["DataExportEnabled"]
    if not log_consume and not export:
        return
    now = int(state.clock())
    user, token = job.caller.user, job.caller.token
    prompt, completion = usage.input_total, usage.completion_tokens
    row = None
    if log_consume:
        row = (
            user.id, now, _CONSUME, ", ".join(job.content_notes), user.username, token.name,
            job.model, settlement.quota, prompt, completion, int(time.perf_counter() - job.started),
            int(job.stream), job.channel.id if job.channel else 0, token.id, job.group, _ip(job),
            job.request_id, "", orjson.dumps(consume_other(job, settlement, usage)).decode(),
        )  # fmt: skip
    aggregate = None
    if export:
        hour = now - now % 3600
        aggregate = (user.id, user.username, job.model, hour, settlement.quota, prompt + completion)
    state.writer.log(row, aggregate)


def record_error(state: RelayState, job: Job, err: UpstreamError) -> None:
    if not state.options["ErrorLogEnabled"]:
        return
    ch = job.channel
    user, token = job.caller.user, job.caller.token
    other = {
        "request_path": job.path,
        "error_type": err.type,
        "error_code": err.code,
        "status_code": err.status,
        "channel_id": ch.id if ch else 0,
        "channel_name": ch.name if ch else "",
        "channel_type": ch.type if ch else 0,
        "admin_info": {"use_channel": [str(c) for c in job.tried]},
    }
    row = (
        user.id, int(state.clock()), LogType.ERROR, f"status_code={err.status}, {err.message}",
        user.username, token.name, job.model, 0, 0, 0, int(time.perf_counter() - job.started),
        int(job.stream), ch.id if ch else 0, token.id, job.group, _ip(job), job.request_id, "",
        orjson.dumps(other).decode(),
    )  # fmt: skip
    state.writer.log(row, None)
