"""Start ClawRouter on a fresh data directory and configure it through its own HTTP API, the
way a user would: POST /api/setup, POST /api/user/login, POST /api/channel/ (an OpenAI channel
to the fake upstream) and POST /api/token/ (an API key with a finite quota). Every runtime
option keeps its default, so billing and request logging are on."""

from __future__ import annotations

import http.cookiejar
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

from bench.procs import Proc

USERNAME, PASSWORD = "bench", "bench-password-1"
MODEL = "gpt-4o-mini"
OPENAI_CHANNEL = 1  # channel type: OpenAI


class Api:
    """A tiny new-api style client: keeps the session cookie, sends New-Api-User."""

    def __init__(self, base: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.user_id: int | None = None

    def call(self, method: str, path: str, body: dict | None = None) -> object:
        req = urllib.request.Request(self.base + path, method=method)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            req.add_header("Content-Type", "application/json")
        if self.user_id is not None:
            req.add_header("New-Api-User", str(self.user_id))
        try:
            with self.opener.open(req, data=data, timeout=30) as r:
                answer = json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            detail = e.read()[:300].decode("utf-8", "replace")
            raise RuntimeError(f"{method} {path}: HTTP {e.code} {detail}") from None
        if not answer.get("success", False):
            raise RuntimeError(f"{method} {path}: {answer.get('message')!r}")
        return answer.get("data")


def configure(base: str, upstream: str) -> str:
    """Set ClawRouter up against `upstream`; returns the relay API key (sk-...)."""
    api = Api(base)
    login = {"username": USERNAME, "password": PASSWORD}
    api.call("POST", "/api/setup", {**login, "confirmPassword": PASSWORD})
    user = api.call("POST", "/api/user/login", login)
    api.user_id = user["id"]  # type: ignore[index]
    channel = {
        "type": OPENAI_CHANNEL,
        "name": "bench-upstream",
        "key": "sk-upstream-bench",
        "base_url": upstream,
        "models": MODEL,
        "group": "default",
    }
    api.call("POST", "/api/channel/", {"mode": "single", "channel": channel})
    key = {"name": "bench", "remain_quota": 50_000_000, "unlimited_quota": False}
    token = api.call("POST", "/api/token/", {**key, "expired_time": -1})
    key = token["key"]  # type: ignore[index]
    if "*" in key:
        raise RuntimeError("POST /api/token/ returned a masked key; cannot use it")
    return key


def start(
    port: int,
    data_dir: Path,
    log_dir: Path,
    *,
    cpu: int | None,
    repo: Path,
    extra_env: dict[str, str] | None = None,
) -> Proc:
    """Start `python -m clawrouter` (this interpreter) and wait until /api/status answers."""
    argv = [sys.executable, "-m", "clawrouter", "--data-dir", str(data_dir), "--port", str(port)]
    env = {"CLAWROUTER_HOST": "127.0.0.1", **(extra_env or {})}
    proc = Proc("clawrouter", argv, log_dir, cpu=cpu, env=env, cwd=str(repo))
    proc.wait_http(f"http://127.0.0.1:{port}/api/status", timeout=60)
    return proc
