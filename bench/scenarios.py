"""The load scenarios, identical for every target: non-stream chat at many connections and at
one (wrk when installed, bench/load.py otherwise) and streaming chat at many streams and at one
(bench/load.py, which times the first body byte). Load generators run pinned to the load CPU."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.procs import pinned

HERE = Path(__file__).resolve().parent
CHAT_PATH = "/v1/chat/completions"
CHAT_BODY = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is the weather like in San Francisco today?"},
    ],
    "max_tokens": 100,
}
STREAM_BODY = {**CHAT_BODY, "stream": True, "stream_options": {"include_usage": True}}
SCENARIOS = ("chat", "chat_c1", "stream", "stream_c1")


@dataclass
class Target:
    name: str
    base: str  # http://127.0.0.1:PORT
    key: str

    @property
    def url(self) -> str:
        return self.base + CHAT_PATH


@dataclass
class Load:
    """How to load: durations in seconds, connection counts, the CPU of the generators."""

    duration: float
    c1_duration: float
    warmup: float
    conns: int
    streams: int
    cpu: int | None
    use_wrk: bool

    @property
    def chat_tool(self) -> str:
        return "wrk" if self.use_wrk else "aiohttp (bench/load.py)"


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def validate(t: Target, stream: bool) -> None:
    """One request; raises unless the answer is a 200 with the expected content."""
    body = json.dumps(STREAM_BODY if stream else CHAT_BODY).encode()
    req = urllib.request.Request(t.url, data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    if t.key:
        req.add_header("Authorization", f"Bearer {t.key}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            data = r.read()
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"{t.name}: HTTP {e.code} {e.read()[:300]!r}") from None
    expect = b"data: [DONE]" if stream else b'"choices"'
    if expect not in data:
        raise RuntimeError(f"{t.name}: unexpected answer {data[:300]!r}")


def _run(argv: list[str], marker: str, timeout: float) -> dict:
    out = subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, cwd=HERE.parent, check=False
    )
    for line in out.stdout.splitlines():
        if line.startswith(marker + " "):
            return json.loads(line[len(marker) + 1 :])
    raise RuntimeError(
        f"{argv[0]} gave no result (exit {out.returncode}): {out.stdout[-400:]} {out.stderr[-400:]}"
    )


def wrk(t: Target, load: Load, conns: int, seconds: float) -> dict:
    argv = ["wrk", "-t1", f"-c{conns}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
    argv += ["-s", str(HERE / "post.lua"), t.url, "--", json.dumps(CHAT_BODY), t.key]
    d = _run(pinned(load.cpu, argv), "WRK", seconds + 30)
    wall = d["duration_us"] / 1e6
    return {
        "tool": "wrk",
        "conns": conns,
        "requests": d["requests"],
        "duration_s": round(wall, 3),
        "rps": round(d["requests"] / wall, 1),
        "errors": d["errors"] + d["non2xx"],
        "p50_ms": d["p50_us"] / 1000,
        "p99_ms": d["p99_us"] / 1000,
    }


def aio(t: Target, load: Load, mode: str, conns: int, seconds: float, warmup: float) -> dict:
    body = STREAM_BODY if mode == "stream" else CHAT_BODY
    argv = [sys.executable, "-m", "bench.load", mode, "--url", t.url, "--key", t.key]
    argv += ["--body", json.dumps(body), "--conns", str(conns)]
    argv += ["--duration", str(seconds), "--warmup", str(warmup)]
    return _run(pinned(load.cpu, argv), "RESULT", seconds + warmup + 60)


def chat(t: Target, load: Load, conns: int, seconds: float) -> dict:
    """Measured chat run (no warm-up: call warm() first)."""
    if load.use_wrk:
        return wrk(t, load, conns, seconds)
    return aio(t, load, "chat", conns, seconds, 0)


def warm(t: Target, load: Load, conns: int) -> None:
    if load.warmup <= 0:
        return
    if load.use_wrk:
        wrk(t, load, conns, load.warmup)
    else:
        aio(t, load, "chat", conns, load.warmup, 0)


def stream(t: Target, load: Load, conns: int, seconds: float) -> dict:
    return aio(t, load, "stream", conns, seconds, load.warmup)
