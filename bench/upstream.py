"""Fake provider for the benchmark (OpenAI, Anthropic and Gemini wire formats): a raw asyncio
Protocol (uvloop when installed) with a minimal HTTP/1.1 parser, so it is several times faster
than any gateway it feeds.

  POST /v1/chat/completions   JSON answer with usage, or SSE when "stream": true: a role chunk,
                              --chunks content chunks --interval-ms apart, a finish chunk, a
                              usage chunk (when stream_options.include_usage) and [DONE]
  POST /v1/messages           Anthropic: a message with usage, or its event stream when
                              "stream": true (message_start ... message_stop)
  POST /v1beta/models/M:generateContent, :streamGenerateContent?alt=sse
                              Gemini: candidates with usageMetadata; the stream's last chunk
                              carries finishReason and usageMetadata
  GET  /v1/models, GET /health
Listens on 127.0.0.1 only. Prompt tokens are len(body) // 4; completion tokens = chunks.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
from collections.abc import Iterator

import orjson

from bench import wire

TEXT = (
    "The quick brown fox jumps over the lazy dog while the benchmark counts every byte that "
    "passes through the gateway and back again to the patient client"
)
WORDS = TEXT.split()
MODEL = b"gpt-4o-mini"
_ids = itertools.count(1)
_pid = os.getpid() & 0xFFFF


class Settings:
    chunks = 20
    interval = 0.005


def _status_line(code: int) -> bytes:
    reason = {200: b"OK", 400: b"Bad Request", 404: b"Not Found"}.get(code, b"Error")
    return b"HTTP/1.1 %d %s\r\n" % (code, reason)


def simple_response(code: int, body: bytes, keep_alive: bool) -> bytes:
    conn = b"keep-alive" if keep_alive else b"close"
    return (
        _status_line(code)
        + b"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: %s\r\n\r\n"
        % (len(body), conn)
        + body
    )


def chat_json(prompt_tokens: int, n: int) -> bytes:
    text = " ".join(WORDS[i % len(WORDS)] for i in range(n))
    return orjson.dumps(
        {
            "id": f"chatcmpl-{_pid:x}{next(_ids):x}",
            "object": "chat.completion",
            "created": 1700000000,
            "model": "gpt-4o-mini",
            "system_fingerprint": "fp_bench",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": n,
                "total_tokens": prompt_tokens + n,
            },
        }
    )


def sse_data(cid: bytes, delta: bytes, finish: bytes = b"null", usage: bytes = b"") -> bytes:
    """One OpenAI chat.completion.chunk SSE event."""
    choices = b'[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}]' % (delta, finish)
    if usage:
        choices = b"[]"
    return (
        b'data: {"id":"%s","object":"chat.completion.chunk","created":1700000000,'
        b'"model":"%s","system_fingerprint":"fp_bench","choices":%s%s}\n\n'
        % (cid, MODEL, choices, b',"usage":' + usage if usage else b"")
    )


def chunk(data: bytes) -> bytes:
    """`data` as one HTTP/1.1 chunk (chunked transfer encoding)."""
    return b"%x\r\n%s\r\n" % (len(data), data)


SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n"
)


class Request:
    __slots__ = ("body", "headers", "method", "path")

    def __init__(self, method: bytes, path: bytes, headers: dict[bytes, bytes], body: bytes):
        self.method, self.path, self.headers, self.body = method, path, headers, body


class FakeOpenAI(asyncio.Protocol):
    """HTTP/1.1 keep-alive; requests on one connection are answered in order."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.busy = False  # a stream is being written; later requests wait in buf

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.busy:
            self.process()

    def process(self) -> None:
        while self.transport is not None and not self.busy:
            req = self.parse()
            if req is None:
                return
            self.handle(req)

    def parse(self) -> Request | None:
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = self.buf[:end].split(b"\r\n")
        try:
            method, path, _ = head[0].split(b" ", 2)
        except ValueError:
            self.fail()
            return None
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        start = end + 4
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            body, used = self.dechunk(start)
            if body is None:
                return None
            self.buf = self.buf[used:]
        else:
            length = int(headers.get(b"content-length", b"0"))
            if len(self.buf) < start + length:
                return None
            body = self.buf[start : start + length]
            self.buf = self.buf[start + length :]
        return Request(method, path, headers, body)

    def dechunk(self, pos: int) -> tuple[bytes | None, int]:
        parts = []
        while True:
            eol = self.buf.find(b"\r\n", pos)
            if eol < 0:
                return None, 0
            size = int(self.buf[pos:eol].split(b";")[0], 16)
            if len(self.buf) < eol + 2 + size + 2:
                return None, 0
            if size == 0:
                trailer_end = self.buf.find(b"\r\n\r\n", eol)
                if trailer_end < 0:
                    return None, 0
                return b"".join(parts), trailer_end + 4
            parts.append(self.buf[eol + 2 : eol + 2 + size])
            pos = eol + 2 + size + 2

    def fail(self) -> None:
        if self.transport is not None:
            body = b'{"error":{"message":"bad request","type":"invalid_request_error"}}'
            self.transport.write(simple_response(400, body, False))
            self.transport.close()

    def handle(self, req: Request) -> None:
        keep = req.headers.get(b"connection", b"").lower() != b"close"
        path = req.path.split(b"?", 1)[0]
        kind = _kind(req.method, path)
        if kind is None:
            if req.method == b"GET" and path.endswith(b"/models"):
                models = b'{"object":"list","data":[{"id":"gpt-4o-mini","object":"model",'
                models += b'"created":1700000000,"owned_by":"bench"}]}'
                self.transport.write(simple_response(200, models, keep))
            elif path == b"/health":
                self.transport.write(simple_response(200, b'{"ok":true}', keep))
            else:
                msg = b'{"error":{"message":"Invalid URL","type":"invalid_request_error"}}'
                self.transport.write(simple_response(404, msg, keep))
        else:
            try:
                body = orjson.loads(req.body)
            except orjson.JSONDecodeError:
                body = None
            if not isinstance(body, dict):
                msg = b'{"error":{"message":"invalid JSON","type":"invalid_request_error"}}'
                self.transport.write(simple_response(400, msg, keep))
            elif kind == "gemini_stream" or (kind != "gemini" and body.get("stream") is True):
                self.busy = True
                events = list(_stream_events(kind, body, max(1, len(req.body) // 4)))
                asyncio.get_running_loop().create_task(self.stream(events, keep))
                return
            else:
                out = _whole(kind, body, max(1, len(req.body) // 4), Settings.chunks)
                self.transport.write(simple_response(200, out, keep))
        if not keep:
            self.transport.close()

    async def stream(self, events: list[bytes], keep: bool) -> None:
        """The head event at once, each content event --interval-ms after the one before,
        then the tail (finish, usage, terminator) right after the last one."""
        try:
            self.transport.write(SSE_HEAD + chunk(events[0]))
            for event in events[1:-1]:
                if Settings.interval > 0:
                    await asyncio.sleep(Settings.interval)
                if self.transport is None:
                    return
                self.transport.write(chunk(event))
            self.transport.write(chunk(events[-1]) + b"0\r\n\r\n")
            if not keep:
                self.transport.close()
        except (AttributeError, ConnectionError):
            return  # the client went away mid-stream
        finally:
            self.busy = False
        self.process()


def _kind(method: bytes, path: bytes) -> str | None:
    if method != b"POST":
        return None
    if path.endswith(b"/chat/completions"):
        return "openai"
    if path.endswith(b"/messages"):
        return "anthropic"
    if path.endswith(b":generateContent"):
        return "gemini"
    if path.endswith(b":streamGenerateContent"):
        return "gemini_stream"
    return None


def _text(n: int) -> str:
    return " ".join(WORDS[i % len(WORDS)] for i in range(n))


def _word(i: int) -> bytes:
    return orjson.dumps((" " if i else "") + WORDS[i % len(WORDS)])


def _whole(kind: str, body: dict, prompt: int, n: int) -> bytes:
    if kind == "anthropic":
        model = str(body.get("model", "claude")).encode()
        return wire.anthropic_json(b"msg_%x%x" % (_pid, next(_ids)), model, _text(n), prompt, n)
    if kind == "gemini":
        return wire.gemini_json(b"gemini-bench", _text(n), prompt, n)
    return chat_json(prompt, n)


def _stream_events(kind: str, body: dict, prompt: int) -> Iterator[bytes]:
    """The events of one streamed answer: a head, --chunks content events, then the tail
    (finish, usage and terminator) as one last item."""
    n = Settings.chunks
    if kind == "anthropic":
        model = str(body.get("model", "claude")).encode()
        yield wire.anthropic_head(b"msg_%x%x" % (_pid, next(_ids)), model, prompt)
        for i in range(n):
            yield wire.anthropic_delta(_word(i))
        yield wire.anthropic_tail(n)
        return
    if kind == "gemini_stream":
        model = b"gemini-bench"
        yield wire.gemini_chunk(model, _word(0))
        for i in range(1, n):
            yield wire.gemini_chunk(model, _word(i))
        yield wire.gemini_last(model, prompt, n)
        return
    cid = b"chatcmpl-%x%x" % (_pid, next(_ids))
    yield sse_data(cid, b'{"role":"assistant","content":"","refusal":null}')
    for i in range(n):
        yield sse_data(cid, b'{"content":%s}' % _word(i))
    tail = sse_data(cid, b"{}", b'"stop"')
    opts = body.get("stream_options")
    if isinstance(opts, dict) and opts.get("include_usage"):
        u = b'{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}' % (
            prompt,
            n,
            prompt + n,
        )
        tail += sse_data(cid, b"{}", usage=u)
    yield tail + b"data: [DONE]\n\n"


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(FakeOpenAI, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=18000)
    ap.add_argument("--chunks", type=int, default=20, help="content chunks per answer")
    ap.add_argument("--interval-ms", type=float, default=5.0, help="delay between stream chunks")
    a = ap.parse_args()
    Settings.chunks, Settings.interval = a.chunks, a.interval_ms / 1000
    try:
        import uvloop

        uvloop.run(serve(a.port))
    except ImportError:
        asyncio.run(serve(a.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
