"""Video task adapters (async jobs: submit, poll, fetch the content), pure like every adapter:
they build UpstreamCalls and read answers; relay.video.routes and jobs.task_poller do the I/O.

- SoraAdapter (types 55 Sora and 1 OpenAI, as new-api): OpenAI's Videos API. Submit
  `POST {base}/v1/videos`, poll `GET {base}/v1/videos/{id}`, content
  `GET {base}/v1/videos/{id}/content`, remix `POST {base}/v1/videos/{id}/remix`. Priced per
  call × seconds × size ratio (new-api's EstimateBilling: seconds from `seconds`, else
  `duration`, else 4; size 1792x1024 or 1024x1792 × 1.666667, any other size × 1).
- GenericVideoAdapter (type 60 NewAPI: another new-api or ClawRouter): the unified video API.
  Submit `POST {base}/v1/video/generations`, poll `GET {base}/v1/video/generations/{id}` (a
  TaskDto, bare or in `{"code": "success", "data": ...}`), content from the task's
  `result_url`. Priced per call.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import orjson

from clawrouter.relay.providers import channel_types as ct
from clawrouter.relay.providers.base import ChannelView, UpstreamCall, UpstreamError
from clawrouter.relay.providers.openai import config_error, join_url, parse_openai_error
from clawrouter.wire.status import TaskStatus

Json = dict[str, Any]

# The OpenAI video object's status for each task status (every other status reads "queued").
_T = TaskStatus
VIDEO_STATUS = MappingProxyType(
    {_T.SUCCESS: "completed", _T.FAILURE: "failed", _T.IN_PROGRESS: "in_progress"}
)
_STATUS_WORDS = {
    _T.QUEUED: ("queued", "pending", "submitted", "not_start", "preparing", "unknown", "created",
                "starting", "notstarted"),
    _T.IN_PROGRESS: ("processing", "in_progress", "running", "generating"),
    _T.SUCCESS: ("completed", "complete", "success", "succeeded", "finished"),
    _T.FAILURE: ("failed", "failure", "fail", "error", "cancelled", "canceled"),
}  # fmt: skip
WIDE_SIZES = frozenset({"1792x1024", "1024x1792"})
WIDE_SIZE_RATIO = 1.666667


@dataclass(frozen=True, slots=True)
class FilePart:
    """A file of a multipart submit (input_reference), passed to the upstream byte for byte."""

    name: str
    filename: str
    content_type: str
    data: bytes


def multipart_body(fields: Json, files: list[FilePart]) -> tuple[bytes, str]:
    """(body, content type) of a multipart/form-data request: the text fields, then files."""
    boundary = "clawrouter-" + secrets.token_hex(16)
    out = bytearray()
    for name, value in fields.items():
        text = value if isinstance(value, str) else orjson.dumps(value).decode()
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(name)}"'
        out += (head + "\r\n\r\n").encode()
        out += text.encode() + b"\r\n"
    for f in files:
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(f.name)}";'
            f' filename="{_quote(f.filename)}"\r\nContent-Type: {f.content_type}\r\n\r\n'
        ).encode()
        out += f.data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "%22").replace("\r", "").replace("\n", "")


def as_int(value: Any) -> int:
    """A whole number given as an integer or a string of digits; 0 otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return 0


def task_status(word: Any) -> TaskStatus:
    """An upstream's status word as a task status (case-insensitive, common synonyms)."""
    text = str(word or "").strip().lower()
    for status, words in _STATUS_WORDS.items():
        if text in words:
            return status
    return TaskStatus.UNKNOWN


@dataclass(slots=True)
class TaskPoll:
    """One poll's reading of an upstream task."""

    status: TaskStatus
    progress: str = ""  # "40%"
    fail_reason: str = ""
    data: Json = field(default_factory=dict)  # the upstream's object, stored in tasks.data
    result_url: str = ""


def _json(status: int, body: bytes) -> Json:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        raise UpstreamError(502, f"upstream answered {status} with an unexpected body",
                            code="bad_response_body")  # fmt: skip
    return data


def _progress(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 100:
        return f"{int(value)}%"
    if isinstance(value, str) and value.strip():
        return value.strip() if value.strip().endswith("%") else value.strip() + "%"
    return ""


class VideoAdapterBase:
    """Shared parts: Bearer auth on `{base}`, OpenAI-style error bodies."""

    __slots__ = ()
    name = ""
    submit_path = ""

    def base_url(self, ch: ChannelView) -> str:
        base = (ch.base_url.strip() or ct.default_base_url(ch.type)).rstrip("/")
        if not base:
            raise config_error(ch, "no base URL configured")
        return base

    def headers(self, ch: ChannelView, json_body: bool = True) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {ch.key}", "Accept": "application/json"}
        if json_body:
            headers["Content-Type"] = "application/json"
        return headers

    def parse_error(self, status: int, body: bytes) -> UpstreamError:
        return parse_openai_error(status, body)

    def billing_ratios(self, body: Json) -> dict[str, float]:
        """The other-ratios the per-call price is multiplied by."""
        return {}

    def upstream_body(self, body: Json, model: str) -> Json:
        out = {k: v for k, v in body.items() if k != "group"}
        out["model"] = model
        return out

    def submit_call(
        self, body: Json, model: str, ch: ChannelView, files: list[FilePart] | None = None
    ) -> UpstreamCall:
        """JSON, or multipart/form-data rebuilt (model replaced, files intact) when the client
        sent multipart (`files` not None), as new-api."""
        url = join_url(self.base_url(ch), self.submit_path)
        fields = self.upstream_body(body, model)
        if files is None:
            return UpstreamCall("POST", url, self.headers(ch), orjson.dumps(fields))
        payload, content_type = multipart_body(fields, files)
        headers = {**self.headers(ch, json_body=False), "Content-Type": content_type}
        return UpstreamCall("POST", url, headers, payload)

    def parse_submit(self, status: int, body: bytes) -> tuple[str, Json]:
        """(the upstream's task id, its answer)."""
        data = _json(status, body)
        inner = data.get("data") if isinstance(data.get("data"), dict) else data
        upstream_id = inner.get("id") or inner.get("task_id")
        if not isinstance(upstream_id, str) or not upstream_id:
            raise UpstreamError(502, "upstream returned no task id", code="invalid_response")
        return upstream_id, inner

    def fetch_call(self, upstream_id: str, ch: ChannelView) -> UpstreamCall:
        url = join_url(self.base_url(ch), f"{self.submit_path}/{upstream_id}")
        return UpstreamCall("GET", url, self.headers(ch, json_body=False))


class SoraAdapter(VideoAdapterBase):
    """OpenAI's Videos API (Sora)."""

    __slots__ = ()
    name = "sora"
    submit_path = "/v1/videos"

    def billing_ratios(self, body: Json) -> dict[str, float]:
        seconds = as_int(body.get("seconds")) or as_int(body.get("duration")) or 4
        size = body.get("size") or "720x1280"
        return {"seconds": float(seconds), "size": WIDE_SIZE_RATIO if size in WIDE_SIZES else 1.0}

    def upstream_body(self, body: Json, model: str) -> Json:
        """The unified route's `duration` becomes OpenAI's string `seconds`."""
        out = super().upstream_body(body, model)
        if "seconds" not in out and as_int(out.get("duration")):
            out["seconds"] = str(as_int(out.pop("duration")))
        elif as_int(out.get("seconds")):
            out["seconds"] = str(as_int(out["seconds"]))
        return out

    def parse_poll(self, status: int, body: bytes) -> TaskPoll:
        data = _json(status, body)
        poll = TaskPoll(task_status(data.get("status")), _progress(data.get("progress")), "", data)
        if poll.status == TaskStatus.SUCCESS:
            poll.progress = "100%"
        elif poll.status == TaskStatus.FAILURE:
            err = data.get("error")
            message = err.get("message") if isinstance(err, dict) else None
            poll.fail_reason = str(message or "task failed")
        return poll

    def remix_call(self, upstream_id: str, body: Json, ch: ChannelView) -> UpstreamCall:
        """`POST {base}/v1/videos/{id}/remix` with the client's fields (`prompt`), no model:
        the remix keeps the original's."""
        url = join_url(self.base_url(ch), f"/v1/videos/{upstream_id}/remix")
        fields = {k: v for k, v in body.items() if k not in ("model", "group")}
        return UpstreamCall("POST", url, self.headers(ch), orjson.dumps(fields))

    def content_call(
        self, upstream_id: str, data: Json, ch: ChannelView, query: dict[str, str]
    ) -> UpstreamCall:
        url = join_url(self.base_url(ch), f"/v1/videos/{upstream_id}/content")
        if query.get("variant"):
            url += "?variant=" + query["variant"]
        headers = {"Authorization": f"Bearer {ch.key}"}
        return UpstreamCall("GET", url, headers)


class GenericVideoAdapter(VideoAdapterBase):
    """The unified video API of new-api (and of ClawRouter): a gateway behind a gateway."""

    __slots__ = ()
    name = "video"
    submit_path = "/v1/video/generations"

    def parse_poll(self, status: int, body: bytes) -> TaskPoll:
        data = _json(status, body)
        inner = data.get("data") if isinstance(data.get("data"), dict) else data
        poll = TaskPoll(task_status(inner.get("status")), _progress(inner.get("progress")))
        poll.data = inner
        url = inner.get("result_url") or inner.get("url")
        poll.result_url = url if isinstance(url, str) else ""
        if poll.status == TaskStatus.SUCCESS:
            poll.progress = "100%"
        elif poll.status == TaskStatus.FAILURE:
            poll.fail_reason = str(inner.get("fail_reason") or "task failed")
        return poll

    def content_call(
        self, upstream_id: str, data: Json, ch: ChannelView, query: dict[str, str]
    ) -> UpstreamCall | None:
        url = data.get("result_url") or data.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return None
        return UpstreamCall("GET", url, {})


VideoAdapter = SoraAdapter | GenericVideoAdapter
_sora = SoraAdapter()
VIDEO_ADAPTERS: MappingProxyType[int, VideoAdapter] = MappingProxyType(
    {ct.SORA: _sora, ct.OPENAI: _sora, ct.NEWAPI: GenericVideoAdapter()}
)


def video_adapter_for(channel_type: int) -> VideoAdapter | None:
    return VIDEO_ADAPTERS.get(channel_type)
