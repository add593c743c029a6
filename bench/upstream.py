"""Fake OpenAI provider for the benchmark: a raw asyncio Protocol (uvloop when installed) with a
minimal HTTP/1.1 parser, so it is several times faster than any gateway it feeds.

  POST /v1/chat/completions   JSON answer with usage, or SSE when "stream": true: a role chunk,
                              --chunks content chunks --interval-ms apart, a finish chunk, a
                              usage chunk (when stream_options.include_usage) and [DONE]
  GET  /v1/models, GET /health
Listens on 127.0.0.1 only. Prompt tokens are len(body) // 4; completion tokens = chunks.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os

import orjson

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


def sse_chunk(cid: bytes, delta: bytes, finish: bytes = b"null", usage: bytes = b"") -> bytes:
    """One SSE event as an HTTP/1.1 chunk (chunked transfer encoding)."""
    choices = b'[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}]' % (delta, finish)
    if usage:
        choices = b"[]"
    data = (
        b'data: {"id":"%s","object":"chat.completion.chunk","created":1700000000,'
        b'"model":"%s","system_fingerprint":"fp_bench","choices":%s%s}\n\n'
        % (cid, MODEL, choices, b',"usage":' + usage if usage else b"")
    )
    return b"%x\r\n%s\r\n" % (len(data), data)


DONE = b"%x\r\n%s\r\n0\r\n\r\n" % (len(b"data: [DONE]\n\n"), b"data: [DONE]\n\n")
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
        if req.method == b"POST" and path.endswith(b"/chat/completions"):
            try:
                body = orjson.loads(req.body)
            except orjson.JSONDecodeError:
                body = None
            if not isinstance(body, dict):
                msg = b'{"error":{"message":"invalid JSON","type":"invalid_request_error"}}'
                self.transport.write(simple_response(400, msg, keep))
            elif body.get("stream") is True:
                opts = body.get("stream_options")
                usage = isinstance(opts, dict) and bool(opts.get("include_usage"))
                self.busy = True
                asyncio.get_running_loop().create_task(self.stream(req, usage, keep))
                return
            else:
                out = chat_json(max(1, len(req.body) // 4), Settings.chunks)
                self.transport.write(simple_response(200, out, keep))
        elif req.method == b"GET" and path.endswith(b"/models"):
            models = b'{"object":"list","data":[{"id":"gpt-4o-mini","object":"model",'
            models += b'"created":1700000000,"owned_by":"bench"}]}'
            self.transport.write(simple_response(200, models, keep))
        elif path == b"/health":
            self.transport.write(simple_response(200, b'{"ok":true}', keep))
        else:
            msg = b'{"error":{"message":"Invalid URL","type":"invalid_request_error"}}'
            self.transport.write(simple_response(404, msg, keep))
        if not keep:
            self.transport.close()

    async def stream(self, req: Request, usage: bool, keep: bool) -> None:
        cid = b"chatcmpl-%x%x" % (_pid, next(_ids))
        n = Settings.chunks
        first = sse_chunk(cid, b'{"role":"assistant","content":"","refusal":null}')
        try:
            self.transport.write(SSE_HEAD + first)
            for i in range(n):
                if Settings.interval > 0:
                    await asyncio.sleep(Settings.interval)
                if self.transport is None:
                    return
                word = orjson.dumps((" " if i else "") + WORDS[i % len(WORDS)])
                self.transport.write(sse_chunk(cid, b'{"content":%s}' % word))
            tail = sse_chunk(cid, b"{}", b'"stop"')
            if usage:
                prompt = max(1, len(req.body) // 4)
                u = b'{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}' % (
                    prompt,
                    n,
                    prompt + n,
                )
                tail += sse_chunk(cid, b"{}", usage=u)
            self.transport.write(tail + DONE)
            if not keep:
                self.transport.close()
        except (AttributeError, ConnectionError):
            return  # the client went away mid-stream
        finally:
            self.busy = False
        self.process()


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
