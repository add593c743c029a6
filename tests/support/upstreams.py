"""FakeUpstream: one loopback aiohttp server that speaks the OpenAI (incl. Azure and prefixed
OpenAI-compatible paths), Anthropic and Gemini wire formats and records every request.

    async with FakeUpstream() as up:
        ...point a channel at up.base_url...
        assert up.last.json["model"] == "gpt-4o-mini"
        assert up.last_usage.prompt_tokens == ...

Routing is by path suffix: */chat/completions, */completions, */embeddings, */moderations,
*/responses, GET */models (OpenAI); */messages, */messages/count_tokens, GET */models with an
anthropic-version header (Anthropic); */models/{m}:generateContent|streamGenerateContent|
embedContent|batchEmbedContents|countTokens, GET models under /v1beta or with a Google key
(Gemini). Azure's /openai/deployments/{name}/... answers like OpenAI. Images and audio
(*/images/*, */audio/*, Imagen :predict, Gemini TTS): tests/support/upstream_media.py.

Behaviour markers, read from the model name (body, Azure deployment or Gemini path) and the API
key, combinable ("gpt-4o-first-200-slow-50"):
  fail-<status>    answer <status> in the provider's error shape (429 adds Retry-After)
  first-<ms>       wait before sending anything (headers included)
  slow-<ms>        wait between stream events
  hang             never answer until the client goes away (bounded by max_hang_s, then 504)
  midstream-error  stream about half the events, then the provider's error event; no terminator
  cut              stream about half the events, then drop the TCP connection mid-body
  eof              end the HTTP body cleanly before the answer is finished: no finish chunk,
                   usage chunk or [DONE] (chat, completions), no message_delta or message_stop
                   (Anthropic), no last chunk with the finishReason (Gemini), no
                   response.completed (Responses)
  no-usage         report no usage (Anthropic: zeros, because its stream format requires usage)
  long             reply with 200 words (200 text events)
  tools-parallel   two tool calls instead of one
  reasoning        add thinking: OpenAI chat reasoning_content (DeepSeek style), Anthropic
                   thinking block, Gemini thought part (also enabled by the request's own
                   thinking settings for Anthropic and Gemini)
  blocked          no content: finish_reason content_filter / stop_reason refusal / Gemini
                   promptFeedback.blockReason SAFETY (Responses: incomplete, content_filter)
`up.queue(...)` answers bypass routing and markers. Unknown paths get an OpenAI-shaped 404.
`up.missing = {"/responses": 404}` makes paths ending so answer like a server without that
endpoint: 404 `Invalid URL (POST /v1/responses)` as OpenAI words it, or 405 as plain text (a
chat-only OpenAI-compatible server such as DeepSeek or a local one).

Replies: "Hello from fake-<openai|anthropic|gemini>." (or `reply=`), one word per stream event,
cut at max_tokens (finish "length"). With tools and a last message from the user (no tool
results), the fake calls the first (or the forced) tool with arguments sampled from its schema.

Usage formula (see upstream_plan): prompt = sum over messages (system/instructions count as one)
of 3 + words of their text (`content`/`text`/`parts` strings); completion = words of reply text
+ thinking + tool-call argument JSON; reasoning = thinking words. Embeddings/completions prompt =
words of the input (token arrays count their length). `up.usage_override` replaces fields of
the canonical Usage (prompt includes cached and cache-write tokens). `rec.usage` is what the
full answer reports; `rec.completed` / `rec.cut` / `rec.aborted` say how the answer ended.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict, CIMultiDictProxy

from tests.support import (
    upstream_anthropic,
    upstream_gemini,
    upstream_media,
    upstream_openai,
    upstream_openai_responses,
)
from tests.support.upstream_core import Call, RecordedRequest, Route, UpstreamState
from tests.support.upstream_plan import Markers, Usage

ROUTES: list[Route] = [
    *upstream_media.ROUTES,
    *upstream_gemini.ROUTES,
    *upstream_anthropic.ROUTES,
    *upstream_openai_responses.ROUTES,
    *upstream_openai.ROUTES,
]

__all__ = ["FakeUpstream", "Markers", "RecordedRequest", "Usage"]


@dataclass
class Queued:
    status: int
    json: Any
    body: bytes | str | None
    headers: dict[str, str]
    times: int
    match: str | None
    delay_ms: int

    def response(self) -> web.Response:
        if self.body is not None:
            return web.Response(status=self.status, body=self.body, headers=self.headers)
        return web.json_response(self.json, status=self.status, headers=self.headers)


async def record(request: web.Request) -> RecordedRequest:
    body = await request.read()
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = None
    headers = CIMultiDictProxy(CIMultiDict(request.headers))
    return RecordedRequest(request.method, request.path, dict(request.query), headers, body, parsed)


def missing_endpoint(rec: RecordedRequest, status: int) -> web.Response:
    rec.completed = True
    if status == 405:
        return web.Response(status=405, text="405: Method Not Allowed", headers={"Allow": "GET"})
    message = f"Invalid URL ({rec.method} {rec.path})"  # OpenAI's words, code null
    error = {"message": message, "type": "invalid_request_error", "param": None, "code": None}
    return web.json_response({"error": error}, status=404)


def find_route(rec: RecordedRequest) -> tuple[Route, dict[str, str]] | None:
    for candidate in ROUTES:
        params = candidate.match(rec)
        if params is not None:
            return candidate, params
    return None


class FakeUpstream(UpstreamState):
    """A fake provider server on 127.0.0.1; see the module docstring for routes and markers."""

    def __init__(
        self,
        *,
        reply: str | None = None,
        models: list[str] | None = None,
        retry_after: str = "1",
        max_hang_s: float = 60.0,
        embedding_dims: int = 8,
    ) -> None:
        super().__init__(
            reply=reply,
            models=models,
            retry_after=retry_after,
            max_hang_s=max_hang_s,
            embedding_dims=embedding_dims,
        )
        self.requests: list[RecordedRequest] = []
        self.aborted = 0
        self.missing: dict[str, int] = {}  # path suffix -> 404 or 405: no such endpoint
        self._queue: deque[Queued] = deque()
        self._server: TestServer | None = None

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> FakeUpstream:
        self._closing.clear()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server(shutdown_timeout=1.0)
        return self

    async def stop(self) -> None:
        self._closing.set()
        if self._server is not None:
            await self._server.close()
            self._server = None

    async def __aenter__(self) -> FakeUpstream:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None and self._server.port is not None, (
            "FakeUpstream not started"
        )
        return f"http://127.0.0.1:{self._server.port}"

    # ------------------------------------------------------------ inspection

    @property
    def last(self) -> RecordedRequest:
        assert self.requests, "the fake upstream received no request"
        return self.requests[-1]

    @property
    def last_usage(self) -> Usage | None:
        return self.last.usage

    def requests_to(self, path_part: str) -> list[RecordedRequest]:
        return [r for r in self.requests if path_part in r.path]

    async def wait_for(self, predicate: Callable[[], bool], within: float = 2.0) -> None:
        """Poll until predicate() is true; AssertionError after `within` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not predicate():
            assert loop.time() < deadline, "condition not met in time"
            await asyncio.sleep(0.005)

    async def wait_requests(self, count: int = 1, within: float = 2.0) -> None:
        await self.wait_for(lambda: len(self.requests) >= count, within)

    async def wait_aborted(self, count: int = 1, within: float = 2.0) -> None:
        """Wait until `count` requests were abandoned by the client (gateway cancelled upstream)."""
        await self.wait_for(lambda: self.aborted >= count, within)

    def reset(self) -> None:
        self.requests.clear()
        self._queue.clear()
        self.aborted = 0
        self.usage_override = None

    # ------------------------------------------------------------ programming

    def queue(
        self,
        status: int = 200,
        json: Any = None,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        *,
        times: int = 1,
        match: str | None = None,
        delay_ms: int = 0,
    ) -> None:
        """Answer the next `times` requests (whose path contains `match`, if given) with this."""
        self._queue.append(Queued(status, json, body, dict(headers or {}), times, match, delay_ms))

    def _pop_queued(self, path: str) -> Queued | None:
        for item in self._queue:
            if item.match is None or item.match in path:
                item.times -= 1
                if item.times <= 0:
                    self._queue.remove(item)
                return item
        return None

    # ------------------------------------------------------------ serving

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        rec = await record(request)
        self.requests.append(rec)
        try:
            return await self._answer(request, rec)
        except (asyncio.CancelledError, ConnectionResetError):
            if not rec.cut:
                rec.aborted = True
                self.aborted += 1
            raise

    async def _answer(self, request: web.Request, rec: RecordedRequest) -> web.StreamResponse:
        queued = self._pop_queued(rec.path)
        if queued is not None:
            await self.sleep(queued.delay_ms)
            rec.completed = True
            return queued.response()
        for suffix, status in self.missing.items():
            if rec.path.endswith(suffix):
                return missing_endpoint(rec, status)
        found = find_route(rec)
        if found is None:
            return upstream_openai.error_response(
                self, 404, f"Unknown path {rec.method} {rec.path}"
            )
        route, params = found
        call = Call(request, rec, Markers.parse(rec.model, rec.api_key), self, params)
        return await self._behave(call, route)

    async def _behave(self, call: Call, route: Route) -> web.StreamResponse:
        m = call.markers
        await self.sleep(m.first_ms)
        if m.hang:
            await self.sleep(self.max_hang_s * 1000)
            return route.error(self, 504, "fake upstream: hang limit reached")
        if m.fail is not None:
            return route.error(self, m.fail, f"fake upstream: fail-{m.fail} marker")
        return await route.handler(call)
