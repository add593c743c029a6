"""Channel tests: one small chat request through the relay's own attempt path (key choice,
model mapping, conversion, overrides, transport) against one pinned channel. Nothing is
billed and nothing reaches a client; the caller records the outcome."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from clawrouter.config import RelayConfig
from clawrouter.relay import upstream
from clawrouter.relay.attempt import prepare_call
from clawrouter.relay.entries import ChannelEntry
from clawrouter.relay.job import Job
from clawrouter.relay.providers.base import UpstreamError
from clawrouter.relay.state import RelayState
from clawrouter.wire.formats import Endpoint, Format, Framing
from clawrouter.wire.sse import SSEDecoder

DEFAULT_TEST_MODEL = "gpt-4o-mini"


@dataclass(slots=True)
class ProbeResult:
    success: bool
    message: str
    seconds: float
    error: UpstreamError | None = None


def test_model(ch: ChannelEntry, requested: str = "") -> str:
    """The model to test: asked for, else test_model, else the first model, else gpt-4o-mini."""
    return requested or ch.test_model or (ch.models[0] if ch.models else DEFAULT_TEST_MODEL)


def _job(state: RelayState, model: str, stream: bool) -> Job:
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 16,
    }
    if stream:
        body.update(stream=True, stream_options={"include_usage": True})
    return Job(
        request_id=f"test-{uuid.uuid4().hex[:16]}", path="/v1/chat/completions",
        client_format=Format.OPENAI, endpoint=Endpoint.CHAT, body=body, model=model, stream=stream,
        caller=None,  # type: ignore[arg-type]  # a test has no API key; nothing is billed
        ip="", started=time.perf_counter(), created_at=int(state.clock()), routes=[],
    )  # fmt: skip


def _stream_error(raw: bytes) -> str | None:
    """None when the stream carried at least one event and no error event, else why not."""
    decoder = SSEDecoder()
    events = [*decoder.feed(raw), *decoder.finish()]
    if not events:
        return "upstream returned an empty stream"
    for event in events:
        if event.event == "error":
            return f"upstream stream error: {event.data[:200]}"
        if event.data.startswith("{"):
            try:
                data = orjson.loads(event.data)
            except orjson.JSONDecodeError:
                continue
            if isinstance(data, dict) and data.get("error"):
                return f"upstream stream error: {str(data['error'])[:200]}"
    return None


def _body_error(raw: bytes, conv: Any, ctx: Any) -> str | None:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return "upstream returned an invalid JSON body"
    if not isinstance(data, dict):
        return "upstream returned an unexpected body"
    if conv is not None:
        try:
            conv.response(data, ctx)
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            return f"upstream answer could not be converted: {type(e).__name__}"
    return None


async def probe_channel(
    state: RelayState,
    http: aiohttp.ClientSession,
    cfg: RelayConfig,
    ch: ChannelEntry,
    model: str,
    stream: bool = False,
) -> ProbeResult:
    """Send the test request; success means a 200 with a well-formed answer."""
    job = _job(state, model, stream)
    job.channel = ch
    started = time.perf_counter()
    try:
        adapter, conv, ctx, call = await prepare_call(state, job, ch, http)
        resp = await upstream.send(http, call, upstream.timeout_for(cfg, stream))
        if resp.status != 200:
            raise await upstream.read_error(resp, adapter)
        raw = await upstream.read_body(resp)
        if not stream:
            problem = _body_error(raw, conv, ctx)
        elif adapter.stream_framing != Framing.SSE:
            problem = None if raw else "upstream returned an empty stream"
        else:
            problem = _stream_error(raw)
    except UpstreamError as err:
        return ProbeResult(False, err.message, time.perf_counter() - started, err)
    seconds = time.perf_counter() - started
    if problem is not None:
        return ProbeResult(False, problem, seconds)
    return ProbeResult(True, "", seconds)
