"""Rate limits over HTTP on the app's injected clock: each limiter's count and window, the
Retry-After value, the 429 body in each caller's format, per-IP and per-user keys, and
X-Forwarded-For honoured only behind a trusted proxy."""

from __future__ import annotations

import time

import pytest
from aiohttp import web

from clawrouter.app import create_app
from clawrouter.config import Config, replace
from tests.support.gateway import Client, Gateway

NOW = float(int(time.time()))  # session cookies are checked against real time too


class ClockGateway(Gateway):
    """The gateway with a clock the test sets."""

    now = NOW

    def make_app(self) -> web.Application:
        return create_app(self.config, clock=lambda: self.now)


async def started(config: Config, **security: int | bool) -> ClockGateway:
    trust = security.pop("trust_forwarded_for", False)
    gw = ClockGateway(replace(config, security=security, server={"trust_forwarded_for": trust}))
    await gw.start()
    return gw


@pytest.fixture
async def gateways():
    made: list[ClockGateway] = []

    async def make(config: Config, **security: int | bool) -> ClockGateway:
        gw = await started(config, **security)
        made.append(gw)
        return gw

    yield make
    for gw in made:
        await gw.stop()


async def refused(client: Client, method: str, path: str, wait: int, **kw) -> dict | None:
    """The request is refused with 429 and Retry-After: wait; returns the JSON body."""
    resp = await client.request(method, path, **kw)
    assert resp.status == 429, (path, resp.status, await resp.text())
    assert resp.headers["Retry-After"] == str(wait)
    assert resp.content_type == "application/json"
    return None if method == "HEAD" else await resp.json()


def api_body(wait: int) -> dict:
    return {"success": False, "message": f"too many requests, please retry in {wait} seconds"}


async def test_api_limit_counts_every_api_request_per_ip(gateways, config):
    gw = await gateways(config, api_rate_limit=3, api_rate_window_seconds=180)
    c = gw.client()
    for path in ("/api/status", "/api/notice", "/api/user/self"):  # a 401 counts too
        assert (await c.request("GET", path)).status in (200, 401)
    assert await refused(c, "GET", "/api/status", 180) == api_body(180)
    gw.now += 100.4
    assert await refused(c, "POST", "/api/user/login", 80, json={}) == api_body(80)
    status, _ = await c.json("GET", "/v1/models")
    assert status == 401, "the relay is not behind the /api limit"
    assert (await c.request("GET", "/")).status == 200, "nor are the web pages"
    gw.now = NOW + 180
    assert (await c.request("GET", "/api/status")).status == 200


async def test_forwarded_for_only_from_a_trusted_proxy(gateways, config):
    gw = await gateways(config, api_rate_limit=1)
    c = gw.client()
    assert (await c.request("GET", "/api/status", headers={"X-Forwarded-For": "10.0.0.1"})).ok
    await refused(c, "GET", "/api/status", 180, headers={"X-Forwarded-For": "10.0.0.2"})
    await refused(c, "GET", "/api/status", 180, headers={"X-Real-IP": "10.0.0.3"})

    gw = await gateways(config, api_rate_limit=1, trust_forwarded_for=True)
    c = gw.client()
    for ip in ("10.0.0.1", "10.0.0.2"):
        assert (await c.request("GET", "/api/status", headers={"X-Forwarded-For": ip})).ok
    await refused(c, "GET", "/api/status", 180, headers={"X-Forwarded-For": "10.0.0.1"})
    # The proxy appends the address it saw; what the client wrote before it does not count.
    forged = {"X-Forwarded-For": "1.2.3.4, 10.0.0.2"}
    await refused(c, "GET", "/api/status", 180, headers=forged)
    assert (await c.request("GET", "/api/status", headers={"X-Real-IP": "10.0.0.3"})).ok
    await refused(c, "GET", "/api/status", 180, headers={"X-Real-IP": "10.0.0.3"})
    assert (await c.request("GET", "/api/status")).ok, "the proxy itself is one more client"


async def test_web_limit_covers_the_web_pages(gateways, config):
    gw = await gateways(config, web_rate_limit=2, web_rate_window_seconds=180)
    c = gw.client()
    assert (await c.request("GET", "/")).status == 200
    assert (await c.request("GET", "/assets/nope.js")).status == 404, "a missing file counts"
    body = await refused(c, "GET", "/console/logs", 180)
    message = "too many requests, please retry in 180 seconds"
    assert body == {
        "error": {
            "message": message,
            "type": "rate_limit_error",
            "param": "",
            "code": "rate_limit_exceeded",
        }
    }
    gw.now += 30
    await refused(c, "HEAD", "/", 150)
    assert (await c.request("GET", "/api/status")).status == 200, "/api has its own limit"
    assert (await c.request("GET", "/v1/models")).status == 401, "the relay is not limited"
    assert (await c.request("GET", "/v1/nope")).status == 404, "nor are its unknown paths"
    gw.now = NOW + 180
    assert (await c.request("GET", "/")).status == 200


async def test_critical_limit_is_shared_by_the_sensitive_routes(gateways, config):
    gw = await gateways(config, trust_forwarded_for=True)  # defaults: 20 per 1200 s
    await gw.setup_root()
    root = await gw.login("root", "rootpass123")  # 1
    key = await gw.add_token()
    c = gw.client()
    bad = {"username": "root", "password": "wrong-password"}
    for _ in range(10):  # 11
        assert (await c.json("POST", "/api/user/login", json=bad))[1]["success"] is False
    auth = {"Authorization": f"Bearer {key}"}
    for _ in range(3):  # 17
        assert (await c.request("GET", "/api/usage/token/", headers=auth)).status == 200
        assert (await c.request("GET", "/api/log/token", headers=auth)).status == 200
    assert (await c.request("GET", "/api/ratio_config")).status == 403  # 18
    assert (await root.json("POST", "/api/user/topup", json={"key": "nope"}))[0] == 200  # 19
    token_id = (await root.json("GET", "/api/token/"))[1]["data"]["items"][0]["id"]
    assert (await root.json("POST", f"/api/token/{token_id}/key"))[1]["success"]  # 20
    gw.now += 200
    assert await refused(c, "POST", "/api/user/login", 1000, json=bad) == api_body(1000)
    await refused(root, "POST", "/api/token/batch/keys", 1000, json={"ids": [token_id]})
    await refused(c, "GET", "/api/usage/token/", 1000, headers=auth)
    other = {"X-Forwarded-For": "10.9.9.9"}
    status, body = await c.json("POST", "/api/user/login", json=bad, headers=other)
    assert status == 200 and body["success"] is False, "another address has its own budget"
    gw.now = NOW + 1200
    assert (await c.json("POST", "/api/user/login", json=bad))[0] == 200


async def test_search_limit_is_per_user(gateways, config):
    gw = await gateways(config)  # defaults: 10 per 60 s
    await gw.setup_root()
    await gw.add_user("alice")
    root = await gw.login("root", "rootpass123")
    alice = await gw.login("alice", "userpass123")
    for _ in range(5):
        assert (await root.json("GET", "/api/token/search?keyword=x"))[1]["success"]
        assert (await root.json("GET", "/api/log/self/search?keyword=x"))[0] == 200
    gw.now += 15
    await refused(root, "GET", "/api/token/search?keyword=x", 45)
    await refused(root, "GET", "/api/log/self/search", 45)
    assert (await alice.json("GET", "/api/token/search?keyword=x"))[1]["success"], (
        "the same address, another user"
    )
    anonymous = gw.client(user_id=1)
    assert (await anonymous.json("GET", "/api/token/search"))[0] == 401
    gw.now = NOW + 60
    assert (await root.json("GET", "/api/token/search?keyword=x"))[1]["success"]


async def test_a_limit_of_zero_is_off(gateways, config):
    gw = await gateways(config, critical_rate_limit=0, web_rate_limit=0, api_rate_limit=0)
    c = gw.client()
    for _ in range(30):
        assert (await c.json("POST", "/api/user/login", json={}))[0] == 200
        assert (await c.request("GET", "/")).status == 200
