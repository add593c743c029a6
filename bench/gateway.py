"""Start ClawRouter on a fresh data directory and configure it through its own HTTP API, the
way a user would: POST /api/setup, POST /api/user/login, POST /api/channel/ (an OpenAI, an
Anthropic and a Gemini channel to the fake upstream) and POST /api/token/ (an API key with a
finite quota). Every runtime option keeps its default, so billing and request logging are on."""

from __future__ import annotations

import http.cookiejar
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

from bench.procs import Proc

USERNAME, PASSWORD = "bench", "bench-password-1"
# (channel type, model) per upstream format: OpenAI (1), Anthropic (14), Gemini (24); all on
# the one fake upstream, which answers each in its own wire format.
CHANNELS = (
    (1, "gpt-4o-mini"),
    (14, "claude-3-5-haiku-20241022"),
    (24, "gemini-2.0-flash"),
)


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
    for kind, model in CHANNELS:
        channel = {
            "type": kind,
            "name": f"bench-{kind}",
            "key": "sk-upstream-bench",
            "base_url": upstream,
            "models": model,
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
    cpu: int | str | None,
    repo: Path,
    extra_env: dict[str, str] | None = None,
    args: list[str] | None = None,
) -> Proc:
    """Start `python -m clawrouter` (this interpreter) and wait until /api/status answers."""
    argv = [sys.executable, "-m", "clawrouter", "--data-dir", str(data_dir), "--port", str(port)]
    argv += args or []
    env = {"CLAWROUTER_HOST": "127.0.0.1", **(extra_env or {})}
    proc = Proc("clawrouter", argv, log_dir, cpu=cpu, env=env, cwd=str(repo))
    proc.wait_http(f"http://127.0.0.1:{port}/api/status", timeout=60)
    return proc
