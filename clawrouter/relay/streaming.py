"""Pumping an upstream event stream to the client as it arrives: pass-through (same format) or
through a converter's state machine; usage tracking, error events in the client's format,
idle timeout and client disconnects (which cancel the upstream request)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from clawrouter.keys import STREAMING
from clawrouter.relay.job import Job
from clawrouter.relay.plain_chunks import MARKERS as _MARKERS
from clawrouter.relay.plain_chunks import gemini_plain, plain_event
from clawrouter.relay.providers.base import ProviderAdapter
from clawrouter.relay.splice import Splice
from clawrouter.relay.stream_text import StreamText
from clawrouter.wire import usage as usage_mod
from clawrouter.wire.error_types import anthropic_type, google_status
from clawrouter.wire.formats import Format
from clawrouter.wire.sse import KEEPALIVE, SSEDecoder, encode_data, encode_done, encode_named
from clawrouter.wire.usage import Usage

log = logging.getLogger(__name__)
SSE_HEADERS = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    "Connection": "keep-alive",
    "X-Accel-Buffering": "no",
}


def error_event(
    client_format: str, status: int, message: str, code: str = "", seq: int = 0
) -> bytes:
    """An error event in the client's stream format; a Responses error continues the stream's
    numbering (`seq`: the events sent so far), as openai's ResponseErrorEvent requires."""
    if client_format == Format.ANTHROPIC:
        body = {"type": "error", "error": {"type": anthropic_type(status), "message": message}}
        return encode_named(body)
    if client_format == Format.GEMINI:
        err = {"code": status, "message": message, "status": google_status(status)}
        return encode_data({"error": err})
    if client_format == Format.RESPONSES:
        return encode_named({
            "type": "error", "code": code or "upstream_error", "message": message,
            "param": None, "sequence_number": seq,
        })  # fmt: skip
    return encode_data({"error": {"message": message, "type": "upstream_error", "code": code}})


_RESPONSES_END = frozenset({"response.completed", "response.incomplete", "response.failed"})


def is_final_event(protocol: str, obj: dict[str, Any]) -> bool:
    """An event that says the answer is finished, so a stream that ends after it is complete
    even when the terminator itself ([DONE], message_stop) is missing: a finish reason (chat,
    Gemini), a stop_reason or message_stop (Anthropic), the last Responses event."""
    if protocol == Format.ANTHROPIC:
        kind = obj.get("type")
        delta = obj.get("delta")
        return kind == "message_stop" or (
            kind == "message_delta" and isinstance(delta, dict) and bool(delta.get("stop_reason"))
        )
    if protocol == Format.RESPONSES:
        return obj.get("type") in _RESPONSES_END
    feedback = obj.get("promptFeedback") if protocol == Format.GEMINI else None
    if isinstance(feedback, dict) and feedback.get("blockReason"):
        return True  # a blocked prompt: no candidates, and no chunk after it
    key = "finishReason" if protocol == Format.GEMINI else "finish_reason"
    found = obj.get("candidates" if protocol == Format.GEMINI else "choices")
    return isinstance(found, list) and any(isinstance(c, dict) and c.get(key) for c in found)


def _may_be_final(data: str) -> bool:
    """Cheap pre-check before parsing a pass-through event for is_final_event."""
    if "finishReason" in data or "blockReason" in data:
        return True
    return (
        "finish_reason" in data
        and '"finish_reason":null' not in data
        and '"finish_reason": null' not in data
    )


def usage_in(protocol: str, obj: dict[str, Any], current: Usage | None) -> Usage | None:
    """Fold the usage a stream event carries into what is known so far."""
    if protocol == Format.ANTHROPIC:
        if obj.get("type") == "message_start":
            return usage_mod.from_anthropic((obj.get("message") or {}).get("usage"))
        if obj.get("type") == "message_delta" and isinstance(obj.get("usage"), dict):
            u = obj["usage"]
            merged = usage_mod.from_anthropic({**usage_mod.to_anthropic(current or Usage()), **u})
            if current is not None and "cache_creation" not in u:  # keep message_start's split
                merged.cache_write_5m_tokens = current.cache_write_5m_tokens
                merged.cache_write_1h_tokens = current.cache_write_1h_tokens
            return merged
        return current
    if protocol == Format.GEMINI:
        return usage_mod.from_gemini(obj.get("usageMetadata")) or current
    if protocol == Format.RESPONSES:
        resp = obj.get("response")
        if isinstance(resp, dict) and resp.get("usage"):
            return usage_mod.from_responses(resp["usage"])
        return current
    u = usage_mod.from_openai(obj.get("usage"))
    return u if u is not None and not u.is_empty() else current


class Pump:
    """Copies one upstream stream to the client response. A stream that ends (its terminator,
    or the upstream's end) leaves its last events in the buffer: _finish_stream sends them
    with the ending in one write."""

    def __init__(
        self,
        job: Job,
        out: web.StreamResponse,
        protocol: str,
        converter: Any | None,
        transport: Any = None,
    ) -> None:
        self.job, self.out, self.protocol, self.conv = job, out, protocol, converter
        self.transport = transport  # the client's: plain chunks may be spliced into it
        self.usage: Usage | None = None  # with read_usage() when Gemini chunks were plain
        self._markers = _MARKERS.get(protocol)
        self._gemini = protocol == Format.GEMINI
        self._usage_lines: list[bytes] = []  # plain Gemini events with usageMetadata, unread
        # what the stream generated, kept (bounded) to estimate a missing usage
        self.texts = StreamText()
        self.client_gone = False
        self.complete = False  # the upstream said the answer is finished (is_final_event)
        self.sent = 0  # events queued for the client (a Responses error's sequence_number)
        self.last_write = time.monotonic()
        self._buf = bytearray()

    async def keepalive(self, interval: float) -> None:
        """Send `: PING` comments while the upstream is silent (general_setting.ping_*)."""
        while True:
            await asyncio.sleep(max(interval - (time.monotonic() - self.last_write), 0.01))
            if time.monotonic() - self.last_write >= interval:
                await self.write(KEEPALIVE)

    def output_text(self) -> str:
        """What the stream generated, for estimating usage the upstream did not report."""
        return self.texts.text()

    def _usage_known(self) -> bool:
        usage = self.conv.usage if self.conv is not None else self.read_usage()
        return usage is not None and not usage.is_empty()

    async def write(self, data: bytes) -> None:
        self.last_write = time.monotonic()
        try:
            await self.out.write(data)
        except (ConnectionError, aiohttp.ClientConnectionResetError):
            self.client_gone = True
            raise

    # ---- pass-through --------------------------------------------------------------------------
    # Events of one upstream chunk are re-framed into a buffer and written with one write; a
    # plain chunk (see plain_chunks) that starts on an event boundary is written as it came,
    # and the ones after it, while they stay plain, straight from the upstream connection's
    # callback (relay.splice).
    async def passthrough(self, resp: aiohttp.ClientResponse) -> None:
        decoder = SSEDecoder()
        plain = self._plain if self._markers is not None or self._gemini else None
        splice = Splice.attach(self, resp, self.out, self.transport) if plain else None
        job, out = self.job, self.out
        try:
            async for chunk in resp.content.iter_any():
                if not job.frt_ms:
                    self._first_byte()
                if plain is not None and decoder.idle():
                    data = plain(chunk)
                    if data is not None:  # the buffer is empty: every chunk before was flushed
                        self.last_write = time.monotonic()
                        try:
                            await out.write(data)
                        except (ConnectionError, aiohttp.ClientConnectionResetError):
                            self.client_gone = True
                            raise
                        if splice is not None:
                            splice.arm()  # the head is out: the next chunks may splice
                        continue
                if any(self._forward(ev.event, ev.data) for ev in decoder.feed(chunk)):
                    return
                await self.flush()
                if splice is not None and self.sent and decoder.idle():
                    splice.arm()
        finally:
            if splice is not None:
                splice.disarm()
        if not any(self._forward(ev.event, ev.data) for ev in decoder.finish()):
            self._ended_without_terminator()

    def _plain(self, chunk: bytes) -> bytes | None:
        """The bytes to send for a plain chunk (its events counted and kept), else None."""
        if self._markers is not None:
            events = plain_event(chunk, self._markers)
            if not events:
                return None
            data = chunk
        else:
            line = gemini_plain(chunk)
            if line is None:
                return None
            data, events = line, 1
            if b"usageMetadata" in line:
                self._usage_lines.append(line)
                if len(self._usage_lines) >= 16:
                    self.read_usage()
        if self.texts.add(data):
            self.texts.settle(self._usage_known())
        self.sent += events
        return data

    def read_usage(self) -> Usage | None:
        """The usage so far, after reading the usageMetadata of the plain Gemini chunks not
        read yet: the newest that parses wins, as it would have read one by one."""
        lines = self._usage_lines
        for line in reversed(lines):
            try:
                obj = orjson.loads(line[6:])
            except orjson.JSONDecodeError:
                continue
            found = usage_mod.from_gemini(obj.get("usageMetadata")) if type(obj) is dict else None
            if found is not None:
                self.usage = found
                break
        lines.clear()
        return self.usage

    def _forward(self, event: str | None, data: str) -> bool:
        """Queue one event; True once the stream's terminator was seen (later events of the
        same chunk are then ignored, as `any` stops at the first True)."""
        if self._usage_lines:
            self.read_usage()  # plain chunks' usage first, as it came before this event's
        if data == "[DONE]":
            self.job.end_reason = "done"
            return True
        if self.texts.add(data):
            self.texts.settle(self._usage_known())
        # Parsed only when it may carry usage or the end (OpenAI sends "usage":null in every
        # chunk when include_usage is on): most events are forwarded as they came.
        usage = '"usage' in data and '"usage":null' not in data
        if usage or "usageMetadata" in data or _may_be_final(data):
            try:
                obj = orjson.loads(data)
            except orjson.JSONDecodeError:
                obj = None
            if isinstance(obj, dict):
                self.usage = usage_in(self.protocol, obj, self.usage)
                self.complete = self.complete or is_final_event(self.protocol, obj)
                if self._swallow(obj):
                    return False
        elif event in _RESPONSES_END:
            self.complete = True
        if event == "error" or (event is None and data.startswith('{"error"')):
            self.job.end_reason = "upstream_error"
        if event:
            self._buf += b"event: " + event.encode() + b"\n"
        self._buf += b"data: " + data.encode() + b"\n\n"
        self.sent += 1
        if self.job.end_reason == "upstream_error":
            return True
        if self.protocol == Format.ANTHROPIC and event == "message_stop":
            self.job.end_reason = "done"
            return True
        return False

    async def decoded(self, resp: aiohttp.ClientResponse, adapter: ProviderAdapter) -> None:
        """Pass-through of a stream that is not SSE (Bedrock's event stream): the adapter's
        decoder yields the events, forwarded as SSE in the same format."""
        decoder = adapter.stream_decoder()
        async for chunk in resp.content.iter_any():
            if not self.job.frt_ms:
                self._first_byte()
            if self._forward_decoded(decoder.feed(chunk)):
                return
            await self.flush()
        if not self._forward_decoded(decoder.finish()):
            self._ended_without_terminator()

    def _forward_decoded(self, events: list[dict[str, Any]]) -> bool:
        for obj in events:
            name = obj.get("type") if self.protocol == Format.ANTHROPIC else None
            if obj.get("type") == "error":
                self._buf += encode_named(obj) if name else encode_data(obj)
                self.job.end_reason = "upstream_error"
                return True
            if self._forward(name, orjson.dumps(obj).decode()):
                return True
        return False

    def _ended_without_terminator(self) -> None:
        """A pass-through stream ended without [DONE] / message_stop: complete when the answer
        said it was finished (an Anthropic client then still gets its message_stop), else cut
        short ("eof": _finish_stream sends an error event)."""
        if not self.complete:
            self.job.end_reason = "eof"
            return
        self.job.end_reason = "done"
        if self.protocol == Format.ANTHROPIC:
            self._buf += encode_named({"type": "message_stop"})

    def _swallow(self, obj: dict[str, Any]) -> bool:
        """A chat client that said include_usage=false never sees the usage-only chunk."""
        return (
            self.protocol == Format.OPENAI
            and not self.job.include_usage
            and not obj.get("choices")
            and bool(obj.get("usage"))
        )

    # ---- converted -----------------------------------------------------------------------------
    async def converted(self, resp: aiohttp.ClientResponse, adapter: ProviderAdapter) -> None:
        decoder = adapter.stream_decoder()
        job = self.job
        async for chunk in resp.content.iter_any():
            if not job.frt_ms:
                self._first_byte()
            if any(self._convert_one(obj) for obj in decoder.feed(chunk)):
                return
            if decoder.done:
                break
            await self.flush()
        if any(self._convert_one(obj) for obj in decoder.finish()):
            return
        if decoder.done or self.complete:
            job.end_reason = "done"
            self._emit(self.conv.finish())
        else:  # the upstream stopped short: no normal ending for the client (see _finish_stream)
            job.end_reason = "eof"

    def _convert_one(self, obj: dict[str, Any]) -> bool:
        if ("error" in obj and not obj.get("choices")) or obj.get("type") == "error":
            err = obj.get("error")
            message = err.get("message", "upstream error") if isinstance(err, dict) else str(err)
            self._buf += error_event(self.job.client_format, 500, message, seq=self.sent)
            self.job.end_reason = "upstream_error"
            return True
        usage = self.conv.usage  # known: the event is not kept (see StreamText.settle)
        if (usage is None or usage.is_empty()) and self.texts.add_event(obj):
            self.texts.settle(False)
        self.complete = self.complete or is_final_event(self.protocol, obj)
        self._emit(self.conv.feed(obj))
        return False

    def _emit(self, events: list[dict[str, Any]]) -> None:
        if not events:
            return
        buf = self._buf
        if self.job.client_format in (Format.ANTHROPIC, Format.RESPONSES):
            for ev in events:
                buf += encode_named(ev)
        else:
            for ev in events:  # encode_data's framing, written into the buffer
                buf += b"data: "
                buf += orjson.dumps(ev)
                buf += b"\n\n"
        self.sent += len(events)

    async def flush(self) -> None:
        if self._buf:
            await self.write(self.take())

    def take(self) -> bytes:
        """The buffered events, emptying the buffer."""
        data, self._buf = bytes(self._buf), bytearray()
        return data

    # ---- shared --------------------------------------------------------------------------------
    def _first_byte(self) -> None:
        if not self.job.frt_ms:
            self.job.frt_ms = max(1, int((time.perf_counter() - self.job.started) * 1000))

    def terminator(self, usage_chunk: dict[str, Any] | None) -> bytes:
        """How the client stream ends in its format (after the usage chunk, for chat)."""
        if self.job.client_format != Format.OPENAI:
            return b""
        done = encode_done()
        return done if usage_chunk is None else encode_data(usage_chunk) + done


async def open_stream(request: web.Request, job: Job) -> web.StreamResponse:
    out = web.StreamResponse(status=200, headers=SSE_HEADERS)
    out.headers["X-Request-Id"] = job.request_id
    await out.prepare(request)
    request[STREAMING] = True
    job.started_response = True
    return out
