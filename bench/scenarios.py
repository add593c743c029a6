"""The load scenarios, identical for every target. Each wire format (OpenAI chat, Anthropic
Messages, Gemini generateContent, and one cross-format pair: an OpenAI chat client on an
Anthropic channel) has four: non-stream at many connections (`<fmt>`) and at one (`<fmt>_c1`),
wrk when installed and bench/load.py otherwise; streaming at many streams (`<fmt>_stream`) and at
one (`<fmt>_stream_c1`), bench/load.py, which times the first body byte. The OpenAI ones keep
their historical names: chat, chat_c1, stream, stream_c1. Load generators run pinned to the
load CPU."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.procs import pinned

HERE = Path(__file__).resolve().parent
CHAT_PATH = "/v1/chat/completions"
MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "What is the weather like in San Francisco today?"},
]
CHAT_BODY = {"model": "gpt-4o-mini", "messages": MESSAGES, "max_tokens": 100}
STREAM_BODY = {**CHAT_BODY, "stream": True, "stream_options": {"include_usage": True}}
CLAUDE, GEMINI = "claude-3-5-haiku-20241022", "gemini-2.0-flash"
ANTHROPIC_BODY = {
    "model": CLAUDE,
    "system": "You are a helpful assistant.",
    "messages": [{"role": "user", "content": MESSAGES[1]["content"]}],
    "max_tokens": 100,
}
GEMINI_BODY = {
    "systemInstruction": {"parts": [{"text": "You are a helpful assistant."}]},
    "contents": [{"role": "user", "parts": [{"text": MESSAGES[1]["content"]}]}],
    "generationConfig": {"maxOutputTokens": 100},
}
CROSS_BODY = {**CHAT_BODY, "model": CLAUDE}


@dataclass(frozen=True)
class Format:
    """One client wire format: where it posts, what it sends, what a good answer contains."""

    name: str  # scenario prefix
    label: str  # in the table
    path: str
    stream_path: str
    body: dict[str, Any]
    stream_body: dict[str, Any]
    expect: bytes  # in a whole answer
    end: bytes  # in the last bytes of a complete stream


FORMATS = {
    "chat": Format(
        "chat", "OpenAI chat", CHAT_PATH, CHAT_PATH, CHAT_BODY, STREAM_BODY, b'"choices"',
        b"[DONE]",
    ),
    "anthropic": Format(
        "anthropic", "Anthropic messages", "/v1/messages", "/v1/messages", ANTHROPIC_BODY,
        {**ANTHROPIC_BODY, "stream": True}, b'"content"', b"message_stop",
    ),
    "gemini": Format(
        "gemini", "Gemini generateContent", f"/v1beta/models/{GEMINI}:generateContent",
        f"/v1beta/models/{GEMINI}:streamGenerateContent?alt=sse", GEMINI_BODY, GEMINI_BODY,
        b'"candidates"', b'"finishReason"',
    ),
    "cross": Format(
        "cross", "OpenAI chat → Anthropic channel", CHAT_PATH, CHAT_PATH, CROSS_BODY,
        {**CROSS_BODY, "stream": True, "stream_options": {"include_usage": True}},
        b'"choices"', b"[DONE]",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Scenario:
    name: str
    fmt: Format
    stream: bool
    many: bool  # many connections (else one)


def _scenarios() -> dict[str, Scenario]:
    out = {}
    for f in FORMATS.values():
        stream = "stream" if f.name == "chat" else f"{f.name}_stream"
        for name, is_stream, many in (
            (f.name, False, True),
            (f"{f.name}_c1", False, False),
            (stream, True, True),
            (f"{stream}_c1", True, False),
        ):
            out[name] = Scenario(name, f, is_stream, many)
    return out


SCENARIOS = _scenarios()


def names_of(fmt: str) -> dict[str, str]:
    """The four scenario names of a format: many, c1, stream, stream_c1."""
    stream = "stream" if fmt == "chat" else f"{fmt}_stream"
    return {"many": fmt, "c1": f"{fmt}_c1", "stream": stream, "stream_c1": f"{stream}_c1"}


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


def _url(t: Target, s: Scenario) -> str:
    return t.base + (s.fmt.stream_path if s.stream else s.fmt.path)


def _body(s: Scenario) -> dict[str, Any]:
    return s.fmt.stream_body if s.stream else s.fmt.body


def validate(t: Target, s: Scenario) -> None:
    """One request; raises unless the answer is a 200 with the expected content."""
    req = urllib.request.Request(_url(t, s), data=json.dumps(_body(s)).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    if t.key:
        req.add_header("Authorization", f"Bearer {t.key}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            data = r.read()
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"{t.name} {s.name}: HTTP {e.code} {e.read()[:300]!r}") from None
    expect = s.fmt.end if s.stream else s.fmt.expect
    if expect not in data:
        raise RuntimeError(f"{t.name} {s.name}: unexpected answer {data[:300]!r}")


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


def wrk(t: Target, s: Scenario, load: Load, conns: int, seconds: float) -> dict:
    argv = ["wrk", "-t1", f"-c{conns}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
    argv += ["-s", str(HERE / "post.lua"), _url(t, s), "--", json.dumps(_body(s)), t.key]
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


def aio(t: Target, s: Scenario, load: Load, conns: int, seconds: float, warmup: float) -> dict:
    mode = "stream" if s.stream else "chat"
    argv = [sys.executable, "-m", "bench.load", mode, "--url", _url(t, s), "--key", t.key]
    argv += ["--body", json.dumps(_body(s)), "--conns", str(conns)]
    argv += ["--expect", (s.fmt.end if s.stream else s.fmt.expect).decode()]
    argv += ["--duration", str(seconds), "--warmup", str(warmup)]
    return _run(pinned(load.cpu, argv), "RESULT", seconds + warmup + 60)


def run(t: Target, s: Scenario, load: Load, conns: int, seconds: float) -> dict:
    """A measured run: non-stream ones without warm-up (call warm() first)."""
    if s.stream:
        return aio(t, s, load, conns, seconds, load.warmup)
    if load.use_wrk:
        return wrk(t, s, load, conns, seconds)
    return aio(t, s, load, conns, seconds, 0)


def warm(t: Target, s: Scenario, load: Load, conns: int) -> None:
    if load.warmup <= 0 or s.stream:
        return
    if load.use_wrk:
        wrk(t, s, load, conns, load.warmup)
    else:
        aio(t, s, load, conns, load.warmup, 0)
