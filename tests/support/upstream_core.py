"""I/O core of the fake upstreams: recorded requests, server state, the per-request call
context, routes and SSE delivery (slow, midstream-error, cut, eof)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from aiohttp import web
from multidict import CIMultiDictProxy

from tests.support.upstream_plan import Markers, Usage

MAX_SLEEP_S = 60.0

# ---------------------------------------------------------------- recorded requests

DEPLOYMENT = re.compile(r"/deployments/([^/]+)/")
GEMINI_MODEL = re.compile(r"/models/([^/:]+)(?::|$)")


@dataclass
class RecordedRequest:
    """What the fake received. `usage` is what the full answer reports (None if it reports none);
    `completed` is False when the answer was interrupted; `aborted` when the client went away."""

    method: str
    path: str
    query: dict[str, str]
    headers: CIMultiDictProxy[str]
    body: bytes
    json: Any
    usage: Usage | None = None
    completed: bool = False
    aborted: bool = False
    cut: bool = False

    @property
    def model(self) -> str | None:
        if isinstance(self.json, dict) and isinstance(self.json.get("model"), str):
            return self.json["model"]
        found = DEPLOYMENT.search(self.path) or GEMINI_MODEL.search(self.path)
        return found.group(1) if found else None

    @property
    def api_key(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:]
        for name in ("x-api-key", "api-key", "x-goog-api-key"):
            if name in self.headers:
                return self.headers[name]
        return self.query.get("key")

    @property
    def stream(self) -> bool:
        body = self.json if isinstance(self.json, dict) else {}
        return body.get("stream") is True or self.path.endswith(":streamGenerateContent")


# ---------------------------------------------------------------- state and call context


class UpstreamState:
    """Settings the provider handlers read; FakeUpstream extends it with the server."""

    def __init__(
        self,
        *,
        reply: str | None = None,
        models: list[str] | None = None,
        retry_after: str = "1",
        max_hang_s: float = MAX_SLEEP_S,
        embedding_dims: int = 8,
    ) -> None:
        self.reply = reply
        self.models = models
        self.retry_after = retry_after
        self.max_hang_s = min(max_hang_s, MAX_SLEEP_S)
        self.embedding_dims = embedding_dims
        self.usage_override: dict[str, int] | None = None
        self._closing = asyncio.Event()

    async def sleep(self, ms: float) -> None:
        """Sleep, but wake at once when the server stops; never longer than MAX_SLEEP_S."""
        if ms <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), min(ms / 1000, MAX_SLEEP_S))

    def reply_for(self, protocol: str) -> str:
        return self.reply if self.reply is not None else f"Hello from fake-{protocol}."


@dataclass
class Call:
    request: web.Request
    rec: RecordedRequest
    markers: Markers
    up: UpstreamState
    params: dict[str, str] = field(default_factory=dict)

    @property
    def body(self) -> dict[str, Any]:
        return self.rec.json if isinstance(self.rec.json, dict) else {}

    @property
    def model(self) -> str:
        return self.rec.model or "unknown"

    def usage(self, computed: Usage) -> Usage | None:
        """Apply `no-usage` and the state's usage_override; record and return the result."""
        if self.markers.no_usage:
            self.rec.usage = None
            return None
        self.rec.usage = replace(computed, **(self.up.usage_override or {}))
        return self.rec.usage

    def json_response(self, payload: Any, headers: dict[str, str] | None = None) -> web.Response:
        self.rec.completed = True
        return web.json_response(payload, headers=headers)


Handler = Callable[[Call], Awaitable[web.StreamResponse]]
ErrorFactory = Callable[[UpstreamState, int, str], web.Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    error: ErrorFactory
    when: Callable[[RecordedRequest], bool] | None = None

    def match(self, rec: RecordedRequest) -> dict[str, str] | None:
        if rec.method != self.method or (self.when and not self.when(rec)):
            return None
        found = self.pattern.search(rec.path)
        return found.groupdict() if found else None


def new_id(prefix: str, nbytes: int = 12) -> str:
    return prefix + secrets.token_hex(nbytes)


# ---------------------------------------------------------------- SSE delivery


@dataclass(frozen=True)
class Frame:
    """One SSE event, framed as the provider frames it: `crlf` ends lines with CRLF and
    spaces the JSON as json.dumps does by default (Gemini); otherwise compact JSON with UTF-8
    as is, as OpenAI and Anthropic send it (so the relay's byte-level fast paths, which look
    for `"finish_reason":null` and the like, see what they see in production)."""

    data: Any
    event: str | None = None
    crlf: bool = False

    def encode(self) -> bytes:
        if isinstance(self.data, str):
            data = self.data
        elif self.crlf:
            data = json.dumps(self.data)
        else:
            data = json.dumps(self.data, separators=(",", ":"), ensure_ascii=False)
        nl = "\r\n" if self.crlf else "\n"
        head = f"event: {self.event}{nl}" if self.event else ""
        return f"{head}data: {data}{nl}{nl}".encode()


SSE_HEADERS = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"}


def interruption_point(body: list[Frame]) -> int:
    """How many `body` frames a midstream-error or cut stream sends before it breaks off."""
    return max(2, len(body) // 2)


async def stream_frames(
    call: Call,
    body: list[Frame],
    tail: list[Frame],
    error: Frame,
    headers: dict[str, str] | None = None,
) -> web.StreamResponse:
    """Send `body` then `tail` (the protocol terminator), honouring slow/midstream-error/cut/eof.
    Interruptions happen after about half of `body`."""
    m = call.markers
    resp = web.StreamResponse(headers={**SSE_HEADERS, **(headers or {})})
    await resp.prepare(call.request)
    frames = body if m.eof else body + tail
    if m.interrupts:
        frames = body[: interruption_point(body)]
    for i, frame in enumerate(frames):
        if i:
            await call.up.sleep(m.slow_ms)
        await resp.write(frame.encode())
    if m.midstream_error:
        await call.up.sleep(m.slow_ms)
        await resp.write(error.encode())
    elif m.cut:
        cut_connection(call)
    call.rec.completed = not (m.interrupts or m.eof)
    return resp


def cut_connection(call: Call) -> None:
    """Drop the TCP connection without finishing the chunked body."""
    call.rec.cut = True
    transport = call.request.transport
    if transport is not None:
        transport.abort()
