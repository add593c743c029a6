"""Request plumbing: X-Request-Id everywhere, JSON errors, body limits, public texts, SPA."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from clawrouter.config import replace
from clawrouter.errors import ClawError
from clawrouter.http.middlewares import edge
from clawrouter.keys import CONFIG
from tests.support.gateway import Gateway


async def test_every_response_has_a_request_id(gateway: Gateway):
    c = gateway.client()
    seen = set()
    for method, path in (
        ("GET", "/api/status"),
        ("GET", "/api/nope"),
        ("POST", "/api/user/login"),
        ("GET", "/"),
        ("DELETE", "/api/status"),
    ):
        resp = await c.request(method, path)
        rid = resp.headers["X-Request-Id"]
        assert len(rid) == 31 and rid not in seen
        seen.add(rid)


async def test_unknown_api_path_is_json_404(gateway: Gateway):
    status, body = await gateway.client().json("GET", "/api/definitely/not/here")
    assert status == 404 and body == {
        "success": False,
        "message": "Invalid URL (GET /api/definitely/not/here)",
    }


async def test_method_not_allowed_is_json(gateway: Gateway):
    status, body = await gateway.client().json("DELETE", "/api/status")
    assert status == 405 and body["success"] is False


async def test_malformed_json_is_400(gateway: Gateway):
    c = gateway.client()
    for raw in (b"{bad", b"", b"[1,2]", b'"str"'):
        resp = await c.request(
            "POST", "/api/user/login", data=raw, headers={"Content-Type": "application/json"}
        )
        body = await resp.json()
        assert resp.status == 400 and body["success"] is False and body["message"], raw


async def test_oversize_body_is_413_json(gateway: Gateway, config):
    await gateway.stop()
    gateway.config = replace(config, server={"max_body_mb": 0.001}, security={"api_rate_limit": 0})
    await gateway.start()
    resp = await gateway.client().request("POST", "/api/user/login", data=b"x" * 5000)
    body = await resp.json()
    assert resp.status == 413 and body["success"] is False and "too large" in body["message"]
    assert resp.headers["X-Request-Id"]


async def test_chunked_oversize_body_is_413(gateway: Gateway, config):
    await gateway.stop()
    gateway.config = replace(config, server={"max_body_mb": 0.001}, security={"api_rate_limit": 0})
    await gateway.start()

    async def chunks():
        for _ in range(10):
            yield b'{"username": "' + b"x" * 500

    resp = await gateway.client().request("POST", "/api/user/login", data=chunks())
    assert resp.status == 413
    assert (await resp.json())["success"] is False


async def test_public_texts(gateway: Gateway):
    c = gateway.client()
    for path in (
        "/api/notice",
        "/api/about",
        "/api/home_page_content",
        "/api/user-agreement",
        "/api/privacy-policy",
    ):
        status, body = await c.json("GET", path)
        assert status == 200 and body == {"success": True, "message": "", "data": ""}
    status, body = await c.json("GET", "/api/uptime/status")
    assert body == {"success": True, "message": "", "data": []}


async def test_spa_fallback_and_static(gateway: Gateway):
    c = gateway.client()
    for path in ("/", "/console/token", "/login"):
        resp = await c.request("GET", path)
        assert resp.status == 200 and "ClawRouter" in await resp.text()
        assert resp.headers["Cache-Control"] == "no-cache"
    resp = await c.request("GET", "/../../etc/passwd")
    assert "root:" not in await resp.text()


async def test_status_test_reports_503_when_store_is_down(root, gateway: Gateway):
    from clawrouter.keys import LOG_DB

    await gateway.app[LOG_DB].close()
    status, body = await root.json("GET", "/api/status/test")
    assert status == 503 and body["success"] is False


async def test_unhandled_errors_never_leak_a_traceback(config):
    async def boom(request):
        raise RuntimeError("secret internals")

    async def raises_claw(request):
        raise ClawError("slow down", status=429, retry_after=7)

    app = web.Application(middlewares=[edge(config, None, asyncio.Event())])
    app[CONFIG] = config
    app.router.add_get("/api/boom", boom)
    app.router.add_get("/v1/boom", boom)
    app.router.add_get("/v1/limited", raises_claw)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        resp = await client.get("/api/boom")
        body = await resp.json()
        assert resp.status == 500 and "secret" not in str(body) and "Traceback" not in str(body)
        assert resp.headers["X-Request-Id"] in body["message"]
        resp = await client.get("/v1/boom")
        body = await resp.json()
        assert resp.status == 500 and body["error"]["code"] == "internal_error"
        resp = await client.get("/v1/limited")
        assert resp.status == 429 and resp.headers["Retry-After"] == "7"
        assert (await resp.json())["error"]["message"] == "slow down"
