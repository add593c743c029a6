"""Relay growth: gateway CPU per request and peak RSS as the prompt grows (1 KB -> 1 MB) and as
the stream grows (10 -> 10,000 events), for OpenAI chat (JSON and stream) and one cross-format
pair (Anthropic Messages in, OpenAI chat upstream). Requests are sent one at a time, so the
CPU the gateway process used, divided by the requests, is its cost per request."""

from __future__ import annotations

import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import orjson

from bench import gateway
from bench.procs import Proc, RssSampler, free_port, tree_usage

CHAT, MESSAGES = "/v1/chat/completions", "/v1/messages"
MODEL = "gpt-4o-mini"  # the fake upstream's OpenAI model; bench.gateway gives it a channel


def chat_body(size: int, stream: bool) -> bytes:
    text = ("lorem ipsum dolor sit amet " * (size // 27 + 1))[:size]
    body: dict = {"model": MODEL, "messages": [{"role": "user", "content": text}]}
    if stream:
        body |= {"stream": True, "stream_options": {"include_usage": True}}
    return orjson.dumps(body)


def messages_body(size: int, stream: bool) -> bytes:
    text = ("lorem ipsum dolor sit amet " * (size // 27 + 1))[:size]
    body: dict = {
        "model": MODEL,
        "max_tokens": 100,
        "messages": [{"role": "user", "content": text}],
    }
    if stream:
        body["stream"] = True
    return orjson.dumps(body)


PATHS: dict[str, tuple[str, Callable[[int, bool], bytes], bool]] = {
    "chat JSON": (CHAT, chat_body, False),
    "chat stream": (CHAT, chat_body, True),
    "messages->chat JSON": (MESSAGES, messages_body, False),
    "messages->chat stream": (MESSAGES, messages_body, True),
}


def send(base: str, key: str, path: str, body: bytes) -> int:
    req = urllib.request.Request(base + path, data=body, method="POST")
    req.add_header("Authorization", f"Bearer {key}")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=120) as r:
        data = r.read()
        if r.status != 200:
            raise RuntimeError(f"{path}: HTTP {r.status}")
    return len(data)


class Rig:
    """A fake upstream (restarted per stream length) and one gateway configured against it."""

    def __init__(self, work: Path, repo: Path) -> None:
        self.work, self.repo = work, repo
        self.up_port, self.gw_port = free_port(), free_port()
        self.upstream: Proc | None = None
        (work / "data").mkdir(parents=True, exist_ok=True)
        self.upstream_chunks(20)
        self.base = f"http://127.0.0.1:{self.gw_port}"
        self.start_gateway()
        self.key = gateway.configure(self.base, f"http://127.0.0.1:{self.up_port}")

    def start_gateway(self, timeout: float = 60) -> float:
        """Start the gateway on work/data; seconds until /api/status answers (migrations and
        the relay's full load included)."""
        self.gw_port = free_port()  # the last one may have been taken while it was stopped
        self.base = f"http://127.0.0.1:{self.gw_port}"
        argv = [sys.executable, "-m", "clawrouter", "--data-dir", str(self.work / "data")]
        argv += ["--port", str(self.gw_port)]
        t0 = time.perf_counter()
        self.gw = Proc("clawrouter", argv, self.work, env={"CLAWROUTER_HOST": "127.0.0.1"},
                       cwd=str(self.repo))  # fmt: skip
        self.gw.wait_http(self.base + "/api/status", timeout=timeout)
        if not self.gw.alive():
            raise RuntimeError(f"the gateway exited:\n{self.gw.tail()}")
        return time.perf_counter() - t0

    def admin(self) -> gateway.Api:
        api = gateway.Api(self.base)
        login = {"username": gateway.USERNAME, "password": gateway.PASSWORD}
        api.user_id = api.call("POST", "/api/user/login", login)["id"]  # type: ignore[index]
        return api

    def upstream_chunks(self, chunks: int) -> None:
        if self.upstream is not None:
            self.upstream.stop()
        argv = [sys.executable, "-m", "bench.upstream", "--port", str(self.up_port)]
        argv += ["--chunks", str(chunks), "--interval-ms", "0"]
        self.upstream = Proc(f"upstream-{chunks}", argv, self.work, cwd=str(self.repo))
        self.upstream.wait_http(f"http://127.0.0.1:{self.up_port}/health")

    def measure(self, path: str, body: bytes, seconds: float) -> dict:
        """CPU µs per request, peak RSS MB and wall ms per request, sending requests one after
        another for `seconds` (at least 3): CPU time is counted in clock ticks (10 ms)."""
        send(self.base, self.key, path, body)  # warm
        sampler = RssSampler(self.gw.pid, 0.05)
        sampler.start()
        cpu0, t0, n = tree_usage(self.gw.pid)[1], time.perf_counter(), 0
        while n < 3 or time.perf_counter() - t0 < seconds:
            send(self.base, self.key, path, body)
            n += 1
        wall, cpu = time.perf_counter() - t0, tree_usage(self.gw.pid)[1] - cpu0
        sampler.stop()
        return {
            "requests": n,
            "cpu_us": round(cpu / n * 1e6),
            "wall_ms": round(wall / n * 1000, 2),
            "peak_rss_mb": round(sampler.peak / 2**20, 1),
        }

    def stop(self) -> None:
        self.gw.stop()
        if self.upstream is not None:
            self.upstream.stop()


def run(work: Path, repo: Path, sizes: list[int], lengths: list[int], seconds: float) -> dict:
    rig = Rig(work, repo)
    out: dict = {"prompt": [], "stream": []}
    try:
        for size in sizes:
            for label, (path, make, stream) in PATHS.items():
                row = {
                    "path": label,
                    "bytes": size,
                    **rig.measure(path, make(size, stream), seconds),
                }
                out["prompt"].append(row)
                print(f"  prompt {size:>9,} B  {label:<22} {row}")
        for length in lengths:
            rig.upstream_chunks(length)
            for label, (path, make, stream) in PATHS.items():
                if not stream:
                    continue
                row = {
                    "path": label,
                    "events": length,
                    **rig.measure(path, make(100, True), seconds),
                }
                row["cpu_us_per_event"] = round(row["cpu_us"] / length, 2)
                out["stream"].append(row)
                print(f"  stream {length:>6,} events  {label:<22} {row}")
    finally:
        rig.stop()
    return out
