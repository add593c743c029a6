"""The provider adapter interface: turn a relay request into an upstream call, and an upstream
error into an UpstreamError. Adapters do no I/O; the pipeline owns the transport.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import orjson

from clawrouter.wire.formats import MEDIA_ENDPOINTS, Answer, Endpoint, Format, Framing
from clawrouter.wire.multipart import Form
from clawrouter.wire.sse import SSEDecoder


@dataclass(slots=True)
class ChannelView:
    """What an adapter may know about the chosen channel (already resolved: one key)."""

    id: int
    type: int
    name: str
    base_url: str
    key: str
    other: str = ""  # api version (Azure), region (Vertex), ...
    organization: str = ""
    setting: Mapping[str, Any] = field(default_factory=dict)  # ChannelSettings JSON
    settings: Mapping[str, Any] = field(default_factory=dict)  # ChannelOtherSettings JSON
    created_time: int = 0
    access_token: str = ""  # filled by the pipeline for adapters with credentials (Vertex)


@dataclass(slots=True)
class RelayRequest:
    """One upstream attempt's input, in the format the upstream speaks."""

    endpoint: Endpoint
    model: str  # the model name the upstream must see (after mapping)
    body: dict[str, Any]
    stream: bool = False
    client_headers: Mapping[str, str] = field(default_factory=dict)
    client_query: Mapping[str, str] = field(default_factory=dict)
    path: str = ""  # the client's request path
    now: int = 0  # unix seconds at the attempt, for adapters that sign calls (Bedrock SigV4)
    form: Form | None = None  # the files of a multipart request (its text fields are `body`)
    raw: bytes | None = None  # the client's bytes, when they may stand for `original`
    original: Mapping[str, Any] | None = None  # the client's parsed body


def json_bytes(req: RelayRequest, body: Mapping[str, Any]) -> bytes:
    """The upstream body's JSON: the client's own bytes when the body is still equal to what
    they parsed to (nothing mapped, overridden or added), else `body` serialised."""
    if req.raw is not None and body == req.original:
        return req.raw
    return orjson.dumps(body)


@dataclass(slots=True)
class UpstreamCall:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None = None


@dataclass(slots=True)
class UpstreamError(Exception):
    """An upstream's error answer, normalised. `status` is the HTTP status (after mapping)."""

    status: int
    message: str
    type: str = "upstream_error"
    code: str = ""
    protocol: Format = Format.OPENAI  # the wire format the error came in
    raw: bytes = b""
    local: bool = False  # raised by ClawRouter itself (network failure, timeout, bad body)
    retry_after: int | None = None  # seconds, from the upstream's Retry-After

    def __str__(self) -> str:
        return f"{self.status} {self.message}"


class ProviderAdapter(Protocol):
    name: str
    protocol: Format  # the wire format spoken upstream
    stream_framing: Framing  # streams are always decoded, whatever their framing

    def supports(self, endpoint: Endpoint) -> bool: ...

    def protocol_for(self, model: str) -> Format: ...

    def answer_kind(self, endpoint: Endpoint, stream: bool) -> Answer: ...

    def prepare(self, req: RelayRequest, ch: ChannelView) -> UpstreamCall: ...

    def parse_error(self, status: int, body: bytes) -> UpstreamError: ...

    def stream_decoder(self) -> StreamDecoder: ...


class AdapterBase:
    """The defaults most adapters keep; each root adapter class derives from it, so every
    capability is a typed attribute or method rather than something looked up by name."""

    __slots__ = ()
    protocol: Format = Format.OTHER
    stream_framing: Framing = Framing.SSE

    def protocol_for(self, model: str) -> Format:
        """The wire protocol `model` speaks upstream (Vertex AI serves Gemini and Claude)."""
        return self.protocol

    def answer_kind(self, endpoint: Endpoint, stream: bool) -> Answer:
        """How `endpoint` answers: SSE when streamed, else one JSON document (a rerank
        document is normalised to one shape whatever the provider)."""
        if endpoint == Endpoint.RERANK:
            return Answer.RERANK
        if endpoint in MEDIA_ENDPOINTS:
            return Answer.BINARY
        return Answer.SSE if stream else Answer.JSON


@runtime_checkable
class RealtimeCapable(Protocol):
    """Optional adapter side for the Realtime API (GET /v1/realtime, a WebSocket session): the
    upstream WebSocket to open for `model` (ws:// or wss:// URL and handshake headers)."""

    def realtime_call(self, model: str, ch: ChannelView) -> UpstreamCall: ...


@runtime_checkable
class CredentialSource(Protocol):
    """Optional adapter side for providers whose key must first be exchanged for a short-lived
    access token (e.g. a Vertex AI service account). The pipeline performs the call, caches
    the token per channel key until shortly before it expires, and passes it in
    ChannelView.access_token."""

    def credential_request(self, ch: ChannelView, now: int) -> UpstreamCall | None:
        """The token exchange to perform, or None when the key is used as is."""
        ...

    def parse_credential(self, status: int, body: bytes, now: int) -> tuple[str, int]:
        """(access token, expiry unix time); raise UpstreamError when the exchange failed."""
        ...


class StreamDecoder(Protocol):
    """Bytes in, decoded upstream events (JSON dicts) out; `done` once the terminator is seen."""

    done: bool

    def feed(self, chunk: bytes) -> list[dict[str, Any]]: ...

    def finish(self) -> list[dict[str, Any]]: ...


class SSEJsonDecoder:
    """The usual decoder: SSE events whose data is JSON; `[DONE]` ends the stream."""

    __slots__ = ("_sse", "done")

    def __init__(self) -> None:
        self._sse = SSEDecoder()
        self.done = False

    def _events(self, events: list) -> list[dict[str, Any]]:
        out = []
        for ev in events:
            data = ev.data.strip()
            if not data:
                continue
            if data == "[DONE]":
                self.done = True
                continue
            try:
                obj = orjson.loads(data)
            except orjson.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                if ev.event and "type" not in obj:
                    obj["type"] = ev.event
                out.append(obj)
        return out

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        return self._events(self._sse.feed(chunk))

    def finish(self) -> list[dict[str, Any]]:
        return self._events(self._sse.finish())


_MESSAGE_FIELDS = ("message", "msg", "err", "error_msg", "detail")


def error_message(data: Any) -> tuple[str, str, str]:
    """(message, type, code) from the many error shapes upstreams use."""
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict):
            code = err.get("code")
            return (
                str(err.get("message") or err.get("status") or ""),
                str(err.get("type") or err.get("status") or ""),
                "" if code is None else str(code),
            )
        if isinstance(err, str) and err:
            return err, "", ""
        for key in _MESSAGE_FIELDS:
            value = data.get(key)
            if isinstance(value, str) and value:
                return value, str(data.get("type") or ""), str(data.get("code") or "")
        if isinstance(data.get("header"), dict) and data["header"].get("message"):
            return str(data["header"]["message"]), "", ""
    if isinstance(data, list) and data:
        return error_message(data[0])
    return "", "", ""


def parse_error_body(status: int, body: bytes, protocol: Format) -> UpstreamError:
    try:
        data = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        data = None
    message, etype, code = error_message(data)
    if not message:
        message = f"bad response status code {status}"
        code = code or "bad_response_status_code"
    return UpstreamError(
        status=status,
        message=message,
        type=etype or "upstream_error",
        code=code,
        protocol=protocol,
        raw=body[:4096],
    )
