"""CORS: off by default (no headers, a preflight is refused by routing); cors.origins opens
/v1 and /v1beta to the listed origins (preflight 204 echoing the SDK's headers, real and
streamed answers with Access-Control-Allow-Origin and X-Request-Id exposed), never /api;
cors.api_origins opens /api with credentials; "*" is refused there."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from clawrouter.config import Config, ConfigError, load, replace
from tests.support.gateway import Gateway, RelayEnv
from tests.support.upstreams import FakeUpstream

APP = "https://app.example.com"
CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello there"}]}
SDK_HEADERS = "authorization,content-type,x-stainless-os,x-stainless-retry-count"


def preflight(origin: str, method: str = "POST") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": SDK_HEADERS,
    }


async def open_env(config: Config, upstream: FakeUpstream, **cors: str) -> RelayEnv:
    gw = Gateway(replace(config, cors=cors))
    await gw.start()
    await gw.setup_root()
    env = RelayEnv(gw, upstream)
    env.channel_id = await gw.add_channel(upstream.base_url, models="gpt-4o")
    env.key = await gw.add_token()
    return env


@pytest.fixture
async def cors_env(config: Config, upstream: FakeUpstream) -> AsyncIterator[RelayEnv]:
    env = await open_env(config, upstream, origins=f"{APP}, http://localhost:5173/")
    try:
        yield env
    finally:
        await env.close()
        await env.gw.stop()


async def test_off_by_default(relay_env: RelayEnv):
    c = relay_env.gw.client()
    resp = await c.request("OPTIONS", "/v1/chat/completions", headers=preflight(APP))
    assert resp.status in (404, 405) and "Access-Control-Allow-Origin" not in resp.headers
    status, _, headers = await relay_env.post("/v1/chat/completions", CHAT, Origin=APP)
    assert status == 200 and "Access-Control-Allow-Origin" not in headers


async def test_preflight_and_answers_for_an_allowed_origin(cors_env: RelayEnv):
    c = cors_env.gw.client()
    for path in ("/v1/chat/completions", "/v1beta/models/gemini-2.0-flash:generateContent"):
        resp = await c.request("OPTIONS", path, headers=preflight(APP))
        assert resp.status == 204, path
        h = resp.headers
        assert h["Access-Control-Allow-Origin"] == APP and "Origin" in h["Vary"]
        assert h["Access-Control-Allow-Headers"] == SDK_HEADERS
        assert "POST" in h["Access-Control-Allow-Methods"]
        assert h["Access-Control-Max-Age"] == "600"
        assert "Access-Control-Allow-Credentials" not in h
    resp = await c.request("OPTIONS", "/v1/models", headers=preflight("http://localhost:5173"))
    assert resp.status == 204  # listed with a trailing slash: the same origin
    status, body, headers = await cors_env.post("/v1/chat/completions", CHAT, Origin=APP)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == APP
    assert "X-Request-Id" in headers["Access-Control-Expose-Headers"]
    # a streamed answer: its headers leave before the handler returns
    hdrs = {"Authorization": f"Bearer {cors_env.key}", "Origin": APP}
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            cors_env.gw.base + "/v1/chat/completions", json={**CHAT, "stream": True}, headers=hdrs
        ) as resp,
    ):
        assert resp.status == 200 and resp.headers["Access-Control-Allow-Origin"] == APP
        assert (await resp.text()).rstrip().endswith("data: [DONE]")
    # an error answer can be read by the page too
    status, body, headers = await cors_env.post(
        "/v1/chat/completions", CHAT, key="sk-wrong", Origin=APP
    )
    assert status == 401 and headers["Access-Control-Allow-Origin"] == APP


async def test_other_origins_and_the_management_api_get_nothing(cors_env: RelayEnv):
    c = cors_env.gw.client()
    resp = await c.request(
        "OPTIONS", "/v1/chat/completions", headers=preflight("https://evil.example")
    )
    assert resp.status == 403 and "Access-Control-Allow-Origin" not in resp.headers
    assert (await resp.json())["error"]["code"] == "cors_origin_denied"
    status, _, headers = await cors_env.post(
        "/v1/chat/completions", CHAT, Origin="https://evil.example"
    )
    assert status == 200 and "Access-Control-Allow-Origin" not in headers
    resp = await c.request("OPTIONS", "/api/user/self", headers=preflight(APP, "GET"))
    assert resp.status in (404, 405) and "Access-Control-Allow-Origin" not in resp.headers
    resp = await c.request("GET", "/api/status", headers={"Origin": APP})
    assert resp.status == 200 and "Access-Control-Allow-Origin" not in resp.headers


async def test_any_origin_for_the_relay(config: Config, upstream: FakeUpstream):
    env = await open_env(config, upstream, origins="*")
    try:
        resp = await env.gw.client().request(
            "OPTIONS", "/v1/chat/completions", headers=preflight("https://anyone.example")
        )
        assert resp.status == 204 and resp.headers["Access-Control-Allow-Origin"] == "*"
        status, _, headers = await env.post("/v1/chat/completions", CHAT, Origin="https://x.io")
        assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    finally:
        await env.close()
        await env.gw.stop()


async def test_api_origins_allow_the_login_cookie(config: Config, upstream: FakeUpstream):
    env = await open_env(config, upstream, api_origins=APP)
    try:
        root = await env.gw.login("root", "rootpass123")
        resp = await root.request("OPTIONS", "/api/user/self", headers=preflight(APP, "GET"))
        assert resp.status == 204
        assert resp.headers["Access-Control-Allow-Origin"] == APP
        assert resp.headers["Access-Control-Allow-Credentials"] == "true"
        resp = await root.request("GET", "/api/user/self", headers={"Origin": APP})
        assert resp.status == 200 and resp.headers["Access-Control-Allow-Origin"] == APP
        assert resp.headers["Access-Control-Allow-Credentials"] == "true"
        # the relay stays closed: only cors.origins opens it
        status, _, headers = await env.post("/v1/chat/completions", CHAT, Origin=APP)
        assert status == 200 and "Access-Control-Allow-Origin" not in headers
    finally:
        await env.close()
        await env.gw.stop()


def test_api_origins_refuse_a_wildcard():
    with pytest.raises(ConfigError, match=r"cors\.api_origins cannot be"):
        load(env={}, overrides={"cors.api_origins": "*"})
