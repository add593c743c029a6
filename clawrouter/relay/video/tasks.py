"""Video tasks between submit and the end: the tasks row a submit writes, what a client reads
back (the OpenAI video object, new-api's TaskDto), and the refund of a task that failed or
timed out (through the ledger, with a refund log row, exactly once: the caller has just moved
the row to FAILURE itself)."""

from __future__ import annotations

import secrets
import string
from typing import Any

import orjson

from clawrouter.billing.pricing import quota_to_usd
from clawrouter.changes.change import Change
from clawrouter.relay.providers import video
from clawrouter.relay.state import RelayState
from clawrouter.wire.status import LogType, TaskStatus

VIDEO = "video"  # the job endpoint of a task submit
_ALPHABET = string.ascii_letters + string.digits


def public_task_id() -> str:
    """The id a client sees (task_ + 32 letters and digits, as new-api); the upstream's own id
    stays in private_data."""
    return "task_" + "".join(secrets.choice(_ALPHABET) for _ in range(32))


def loads(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    try:
        value = orjson.loads(text) if text else {}
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def progress_percent(row: dict[str, Any]) -> int:
    if row["status"] == TaskStatus.SUCCESS:
        return 100
    text = str(row.get("progress") or "").strip().rstrip("%")
    try:
        return max(0, min(100, int(float(text))))
    except ValueError:
        return 0


def video_object(row: dict[str, Any]) -> dict[str, Any]:
    """The OpenAI video object for GET /v1/videos/{id}: the upstream's last answer with our id,
    the status we hold, the model the client asked for and the error when it failed."""
    props = loads(row.get("properties"))
    data = loads(row.get("data"))
    data.pop("task_id", None)
    data.pop("result_url", None)
    out: dict[str, Any] = {
        "object": "video",
        "created_at": row["submit_time"],
        "seconds": props.get("seconds") or "4",
        "size": props.get("size") or "720x1280",
        "completed_at": None,
        "expires_at": None,
        "error": None,
        "prompt": props.get("input"),
        "remixed_from_video_id": None,
        **{k: v for k, v in data.items() if k not in ("status", "progress", "error")},
    }
    out.update(
        id=row["task_id"],
        model=props.get("origin_model_name") or data.get("model") or "",
        status=video.VIDEO_STATUS.get(row["status"], "queued"),
        progress=progress_percent(row),
    )
    if props.get("remixed_from"):  # our id for the original, never the upstream's
        out["remixed_from_video_id"] = props["remixed_from"]
    if row["status"] == TaskStatus.SUCCESS and not out["completed_at"]:
        out["completed_at"] = row["finish_time"] or None
    if row["status"] == TaskStatus.FAILURE:
        err = data.get("error") if isinstance(data.get("error"), dict) else {}
        code = err.get("code") if isinstance(err.get("code"), str) else "task_failed"
        out["error"] = {"code": code, "message": row["fail_reason"] or "task failed"}
    return out


def task_dto(row: dict[str, Any], base_url: str) -> dict[str, Any]:
    """new-api's TaskDto for GET /v1/video/generations/{id}; result_url is this gateway's
    content route (the upstream's address is never shown)."""
    done = row["status"] == TaskStatus.SUCCESS
    return {
        "id": row["id"],
        "task_id": row["task_id"],
        "platform": row["platform"],
        "action": row["action"],
        "status": row["status"],
        "fail_reason": row["fail_reason"],
        "result_url": f"{base_url}/v1/videos/{row['task_id']}/content" if done else "",
        "submit_time": row["submit_time"],
        "start_time": row["start_time"],
        "finish_time": row["finish_time"],
        "progress": row["progress"],
        "quota": row["quota"],
        "properties": loads(row.get("properties")),
        "data": video_object(row),
    }


async def refund_task(state: RelayState, row: dict[str, Any], reason: str) -> None:
    """Give a failed or timed-out task's charge back and write the refund log row (type 6)."""
    quota = int(row["quota"] or 0)
    if quota <= 0:
        return
    private = loads(row.get("private_data"))
    token_id = int(private.get("token_id") or 0)
    await state.ledger.refund(row["user_id"], token_id, quota)
    if state.feed is not None:  # reloaded here by the ledger; the other processes re-read them
        await state.feed.publish(Change("user", row["user_id"]), here=False)
        if token_id:
            await state.feed.publish(Change("token", token_id), here=False)
    user = state.users.get(row["user_id"])
    token = state.tokens_by_id.get(token_id)
    props = loads(row.get("properties"))
    qpu = int(state.options["QuotaPerUnit"])
    content = (
        f"video task {row['task_id']} failed ({reason[:200]}); refunded"
        f" ${quota_to_usd(quota, qpu):.6f}".rstrip("0").rstrip(".")
    )
    other = {"task_id": row["task_id"], "reason": reason[:500], "request_path": "/v1/videos"}
    log_row = (
        row["user_id"], int(state.clock()), LogType.REFUND, content,
        user.username if user else "", token.name if token else "",
        props.get("origin_model_name") or "", quota, 0, 0, 0, 0, row["channel_id"], token_id,
        row["group"], "", str(private.get("request_id") or ""), "",
        orjson.dumps(other).decode(),
    )  # fmt: skip
    if state.options["LogConsumeEnabled"]:
        state.writer.log(log_row, None)
