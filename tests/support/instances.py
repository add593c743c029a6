"""Many gateway instances for the multi-instance tests: `python -m clawrouter` subprocesses on
one PostgreSQL and one Redis (each with its own data dir, so what they share comes from the
settings: database.url, redis.url, security.session_secret), behind a small round-robin aiohttp
proxy on 127.0.0.1 that names the instance that answered (X-Test-Instance)."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
from aiohttp import web

HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Instance:
    """One gateway process."""

    def __init__(self, index: int, root: Path, env: dict[str, str]) -> None:
        self.index, self.port = index, free_port()
        self.data = root / f"instance-{index}"
        self.env = {**env, "CLAWROUTER_DATA_DIR": str(self.data)}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def spawn(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        with (self.data / "gateway.log").open("ab") as log:
            argv = [sys.executable, "-m", "clawrouter", "serve", "--port", str(self.port)]
            self.proc = subprocess.Popen(argv, env=self.env, stdout=log, stderr=log)

    async def start(self) -> None:
        self.spawn()
        assert self.proc is not None
        deadline = time.monotonic() + 60
        async with aiohttp.ClientSession() as http:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"instance {self.index} exited:\n{self.log_tail()}")
                try:
                    async with http.get(self.base + "/readyz") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"instance {self.index} not ready:\n{self.log_tail()}")
                await asyncio.sleep(0.2)

    def log_tail(self) -> str:
        path = self.data / "gateway.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def kill(self) -> None:
        """kill -9: no drain, no flush."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class Proxy:
    """Round-robin over the live instances; a request whose instance cannot be reached goes to
    the next one (nothing reached it, so nothing was charged)."""

    def __init__(self, instances: list[Instance]) -> None:
        self.instances = instances
        self._turn = itertools.count()
        self.port = free_port()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._http = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._http is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP}
        for _ in range(len(self.instances)):
            inst = self.instances[next(self._turn) % len(self.instances)]
            if not inst.alive:
                continue
            try:
                upstream = await self._http.request(
                    request.method, inst.base + request.rel_url.raw_path_qs,
                    headers=headers, data=body, allow_redirects=False,
                )  # fmt: skip
            except aiohttp.ClientConnectionError:
                continue  # not reached: try the next instance
            async with upstream:
                out = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP}
                resp = web.StreamResponse(status=upstream.status, headers=out)
                resp.headers["X-Test-Instance"] = str(inst.index)
                await resp.prepare(request)
                async for chunk in upstream.content.iter_any():
                    await resp.write(chunk)
                await resp.write_eof()
                return resp
        return web.json_response({"error": {"message": "no instance"}}, status=502)


def instance_env(database_url: str, redis_url: str, secret: str) -> dict[str, str]:
    """The settings every instance shares (docs/scaling.md), with the global per-IP limits off:
    every test client is 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAWROUTER_")}
    return {
        **env,
        "CLAWROUTER_DATABASE_URL": database_url,
        "CLAWROUTER_REDIS_URL": redis_url,
        "CLAWROUTER_SECURITY_SESSION_SECRET": secret,
        "CLAWROUTER_SECURITY_API_RATE_LIMIT": "0",
        "CLAWROUTER_SECURITY_WEB_RATE_LIMIT": "0",
        "CLAWROUTER_LOGGING_ACCESS_LOG": "false",
    }
