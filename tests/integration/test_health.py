"""/healthz and /readyz: small JSON answers, never the dashboard page; /readyz names what is
not ready (a stalled writer); under drain (a real `python -m clawrouter` given SIGTERM) /readyz
turns 503 while /healthz stays 200, the in-flight stream finishes, and the JSON log lines carry
the request's fields. Unknown non-page paths answer 404."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp
import orjson
import pytest

from clawrouter.config import Config
from clawrouter.http.static import PAGE_ROOTS
from clawrouter.keys import WRITER
from tests.support.gateway import Gateway
from tests.support.upstreams import FakeUpstream

ENV = {k: v for k, v in os.environ.items() if not k.startswith("CLAWROUTER_")}


async def test_healthz_and_readyz_answer_json(gateway: Gateway):
    c = gateway.client()
    status, body = await c.json("GET", "/healthz")
    assert status == 200 and body == {"status": "ok"}
    resp = await c.request("GET", "/readyz")
    assert resp.status == 200 and resp.headers["Cache-Control"] == "no-store"
    assert await resp.json() == {
        "status": "ready",
        "checks": {"store": "ok", "log_store": "ok", "writer": "ok", "draining": "ok"},
    }
    assert (await c.request("HEAD", "/healthz")).status == 200


async def test_readyz_names_a_stalled_writer(gateway: Gateway):
    gateway.app[WRITER].beat = time.monotonic() - 3600  # its loop has not turned for an hour
    status, body = await gateway.client().json("GET", "/readyz")
    assert status == 503 and body["status"] == "not_ready"
    assert body["checks"]["writer"] == "stalled" and body["checks"]["store"] == "ok"


@pytest.mark.parametrize(
    "path", ["/metricz", "/wp-login.php", "/.env", "/health", "/foo/bar", "/index.php?x=1"]
)
async def test_unknown_non_page_paths_are_404_json(gateway: Gateway, path: str):
    resp = await gateway.client().request("GET", path)
    assert resp.status == 404, path
    assert resp.headers["Content-Type"].startswith("application/json"), path
    assert "Invalid URL" in (await resp.json())["error"]["message"]


def test_page_roots_match_the_dashboard_routes():
    """Every client route of the dashboard falls under a page root the server knows."""
    routes = Path(__file__).resolve().parents[2] / "web" / "src" / "app" / "routes.tsx"
    paths = re.findall(r"path: '(/[^']*)'", routes.read_text(encoding="utf-8"))
    assert paths
    assert {p[1:].partition("/")[0] for p in paths} <= PAGE_ROOTS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _seed(config: Config, upstream: FakeUpstream) -> str:
    """Root, a channel whose answers stream slowly (300 ms per chunk) and a key; returns it."""
    gw = Gateway(config)
    await gw.start()
    try:
        await gw.setup_root()
        await gw.add_channel(
            upstream.base_url, models="gpt-4o", model_mapping='{"gpt-4o": "gpt-4o-slow-300"}'
        )
        return await gw.add_token()
    finally:
        await gw.stop()


async def _lines(stream: asyncio.StreamReader, into: list[str]) -> None:
    while line := await stream.readline():
        into.append(line.decode())


async def test_drain_readyz_503_healthz_200_stream_finishes(config: Config, upstream: FakeUpstream):
    key = await _seed(config, upstream)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**ENV, "CLAWROUTER_SERVER_DRAIN_DELAY_SECONDS": "2", "CLAWROUTER_LOGGING_FORMAT": "json"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "clawrouter", "--port", str(port), "--data-dir", config.server.data_dir,
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    lines: list[str] = []
    reader = asyncio.create_task(_lines(proc.stderr, lines))
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(base + "/readyz") as resp:
                        assert resp.status == 200
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("server did not start: " + "".join(lines))

            async def stream() -> tuple[int, str, str]:
                body = {"model": "gpt-4o", "stream": True,
                        "messages": [{"role": "user", "content": "hello"}]}  # fmt: skip
                headers = {"Authorization": f"Bearer {key}"}
                async with (
                    aiohttp.ClientSession() as own,
                    own.post(base + "/v1/chat/completions", json=body, headers=headers) as resp,
                ):
                    return resp.status, await resp.text(), resp.headers["X-Request-Id"]

            in_flight = asyncio.create_task(stream())
            for _ in range(100):
                if upstream.requests:
                    break
                await asyncio.sleep(0.02)
            proc.send_signal(signal.SIGTERM)
            for _ in range(50):
                async with aiohttp.ClientSession() as fresh, fresh.get(base + "/readyz") as resp:
                    body = await resp.json()
                if resp.status == 503:
                    break
                await asyncio.sleep(0.05)
            assert resp.status == 503 and body["status"] == "draining", body
            assert body["checks"]["draining"] == "draining" and body["checks"]["store"] == "ok"
            async with aiohttp.ClientSession() as fresh, fresh.get(base + "/healthz") as resp:
                assert resp.status == 200 and await resp.json() == {"status": "ok"}
                assert resp.headers.get("Connection", "").lower() == "close"
            status, text, rid = await asyncio.wait_for(in_flight, 20)
            assert status == 200 and text.rstrip().endswith("data: [DONE]"), text
        assert await asyncio.wait_for(proc.wait(), 20) == 0
        await reader
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    records = [orjson.loads(line) for line in lines if line.startswith("{")]
    assert len(records) == len(lines), lines  # every line is JSON
    (access,) = [r for r in records if r.get("request_id") == rid and "status" in r]
    assert access["method"] == "POST" and access["path"] == "/v1/chat/completions"
    assert access["status"] == 200 and access["level"] == "info" and access["duration_ms"] > 0
    assert access["user_id"] == 1 and access["token_id"] >= 1
    assert access["model"] == "gpt-4o" and access["channel"] >= 1
    drained = [r for r in records if r.get("path") == "/readyz" and r.get("status") == 503]
    assert drained and drained[0]["level"] == "warning"
    assert any("draining" in r["message"] for r in records)
