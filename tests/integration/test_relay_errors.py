"""Every row of the relay status table, answered in the caller's own format (OpenAI, Anthropic,
Gemini), with the right status code; a 429 always has a JSON body and Retry-After."""

from __future__ import annotations

from typing import Any

import pytest

from clawrouter.config import replace
from clawrouter.keys import RELAY
from tests.support.gateway import RelayEnv

FORMATS = ["openai", "anthropic", "gemini"]


def request_for(fmt: str, model: str = "gpt-4o-mini") -> tuple[str, dict[str, Any]]:
    if fmt == "anthropic":
        return "/v1/messages", {
            "model": model, "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]
        }  # fmt: skip
    if fmt == "gemini":
        return f"/v1beta/models/{model}:generateContent", {
            "contents": [{"role": "user", "parts": [{"text": "hi"}]}]
        }
    return "/v1/chat/completions", {"model": model, "messages": [{"role": "user", "content": "hi"}]}


def key_headers(fmt: str, key: str) -> dict[str, str]:
    if fmt == "anthropic":
        return {"x-api-key": key, "anthropic-version": "2023-06-01"}
    if fmt == "gemini":
        return {"x-goog-api-key": key}
    return {"Authorization": f"Bearer {key}"}


def assert_error(fmt: str, body: Any, status: int, fragment: str = "") -> None:
    if fmt == "anthropic":
        assert body["type"] == "error" and set(body["error"]) == {"type", "message"}, body
        message = body["error"]["message"]
    elif fmt == "gemini":
        assert body["error"]["code"] == status and body["error"]["status"], body
        message = body["error"]["message"]
    else:
        assert set(body["error"]) == {"message", "type", "param", "code"}, body
        message = body["error"]["message"]
    assert fragment.lower() in message.lower(), (fragment, message)


async def call(env: RelayEnv, fmt: str, key: str | None = None, model: str = "gpt-4o-mini", **kw):
    path, body = request_for(fmt, model)
    body.update(kw)
    headers = key_headers(fmt, key if key is not None else env.key)
    import aiohttp

    async with (
        aiohttp.ClientSession() as http,
        http.post(env.gw.base + path, json=body, headers=headers) as resp,
    ):
        return resp.status, await resp.json(content_type=None), resp.headers


@pytest.mark.parametrize("fmt", FORMATS)
async def test_key_problems_are_401(relay_env: RelayEnv, fmt: str):
    gw = relay_env.gw
    for key, fragment in (
        ("", "no API key"),
        ("sk-doesnotexist", "invalid API key"),
        (await gw.add_token(status=2), "disabled"),
        (await gw.add_token(expired_time=1_000), "expired"),
        (await gw.add_token(unlimited_quota=0, remain_quota=0), "used up"),
    ):
        status, body, _ = await call(relay_env, fmt, key=key)
        assert status == 401, (key, body)
        assert_error(fmt, body, 401, fragment)
    assert relay_env.up.requests == []


@pytest.mark.parametrize("fmt", FORMATS)
async def test_forbidden_rows_are_403(relay_env: RelayEnv, fmt: str):
    gw = relay_env.gw
    cases = [
        (await gw.add_token(allow_ips="10.0.0.0/8"), "may not be used from"),
        (await gw.add_token(model_limits_enabled=1, model_limits="gpt-4o"), "no access to model"),
        (await gw.add_token(model_limits_enabled=1, model_limits=""), "no access to any model"),
        (await gw.add_token(group="vip-nope"), "no access to group"),
    ]
    uid = await gw.add_user("banned", status=2)
    cases.append((await gw.add_token(user_id=uid), "banned"))
    uid = await gw.add_user("plain")
    cases.append((await gw.add_token(user_id=uid, key="plainkey") + "-1", "pin a channel"))
    for key, fragment in cases:
        status, body, _ = await call(relay_env, fmt, key=key)
        assert status == 403, (key, body)
        assert_error(fmt, body, 403, fragment)
    allowed = await gw.add_token(allow_ips="127.0.0.1\n10.0.0.0/8")
    assert (await call(relay_env, fmt, key=allowed))[0] == 200


@pytest.mark.parametrize("fmt", FORMATS)
async def test_quota_rows_are_403(relay_env: RelayEnv, fmt: str):
    gw = relay_env.gw
    low = await gw.add_token(unlimited_quota=0, remain_quota=10)
    status, body, _ = await call(relay_env, fmt, key=low)
    assert status == 403 and "not enough" in str(body)
    poor = await gw.add_user("poor", quota=0)
    status, body, _ = await call(relay_env, fmt, key=await gw.add_token(user_id=poor))
    assert status == 403
    assert_error(fmt, body, 403, "insufficient user quota")
    assert relay_env.up.requests == []


@pytest.mark.parametrize("fmt", FORMATS)
async def test_request_rows(relay_env: RelayEnv, fmt: str):
    status, body, _ = await call(relay_env, fmt, model="no-such-model")
    assert status == 503
    assert_error(fmt, body, 503, "No available channel for model no-such-model")
    await relay_env.gw.add_channel(relay_env.up.base_url, models="mystery-model")
    status, body, _ = await call(relay_env, fmt, model="mystery-model")
    assert status == 400
    assert_error(fmt, body, 400, "no price")
    path, _ = request_for(fmt)
    import aiohttp

    async with aiohttp.ClientSession() as http:
        for raw in (b"{not json", b"[1]", b""):
            async with http.post(
                relay_env.gw.base + path, data=raw, headers=key_headers(fmt, relay_env.key)
            ) as resp:
                assert resp.status == 400
                assert_error(fmt, await resp.json(), 400)
    if fmt == "openai":
        status, body, _ = await relay_env.post("/v1/chat/completions", {"messages": []})
        assert status == 400 and body["error"]["param"] == "model"
        status, body, _ = await relay_env.post("/v1/chat/completions", {"model": 5})
        assert status == 400


@pytest.mark.parametrize("fmt", FORMATS)
async def test_upstream_errors_keep_their_status(relay_env: RelayEnv, fmt: str):
    gw = relay_env.gw
    await gw.add_channel(
        relay_env.up.base_url, models="gpt-4o",
        model_mapping='{"gpt-4o": "gpt-4o-fail-429"}', priority=10,
    )  # fmt: skip
    status, body, headers = await call(relay_env, fmt, model="gpt-4o")
    assert status == 429 and headers["Retry-After"] == "1"
    assert_error(fmt, body, 429)
    relay_env.up.queue(status=200, body=b"this is not json", headers={"Content-Type": "text/plain"})
    status, body, _ = await call(relay_env, fmt)
    assert status == 502
    assert_error(fmt, body, 502, "invalid JSON")
    before = (await relay_env.user_row())["quota"]
    assert before == 100_000_000, "failed requests are never billed (pre-consume refunded)"


async def test_body_limits_unknown_paths_and_files(relay_env: RelayEnv):
    status, body, _ = await relay_env.post("/v1/files", {})
    assert status == 501 and body["error"]["code"] == "api_not_implemented"
    status, body, _ = await relay_env.post("/v1/nothing/here", {})
    assert status == 404 and body["error"]["type"] == "invalid_request_error"
    gw = relay_env.gw
    await gw.stop()
    gw.config = replace(gw.config, server={"max_body_mb": 0.01})
    await gw.start()  # same data dir: the key and the channel are still there
    status, body, _ = await relay_env.post("/v1/chat/completions", b"x" * 20_000)
    assert status == 413 and body["error"]["code"] == "request_body_too_large"
    path, req = request_for("anthropic")
    req["messages"][0]["content"] = "x" * 20_000
    status, body, _ = await relay_env.post(path, req)
    assert status == 413 and body["type"] == "error"


async def test_pinned_channel_for_admins(relay_env: RelayEnv):
    gw = relay_env.gw
    key = relay_env.key
    status, body, _ = await relay_env.post(
        "/v1/chat/completions", request_for("openai")[1], key=f"{key}-{relay_env.channel_id}"
    )
    assert status == 200
    status, body, _ = await relay_env.post(
        "/v1/chat/completions", request_for("openai")[1], key=f"{key}-999"
    )
    assert status == 400 and "channel" in body["error"]["message"].lower()
    state = gw.app[RELAY]
    state.channels[relay_env.channel_id].status = 2
    status, body, _ = await relay_env.post(
        "/v1/chat/completions", request_for("openai")[1], key=f"{key}-{relay_env.channel_id}"
    )
    assert status == 403
    assert status == 403 and "disabled" in body["error"]["message"]


async def test_a_closed_port_is_reported_as_refused(relay_env):
    mapping = '{"gpt-4o": "closed"}'
    await relay_env.gw.add_channel(
        "http://127.0.0.1:1", models="gpt-4o", model_mapping=mapping, priority=9
    )
    status, body, _ = await relay_env.post(
        "/v1/chat/completions", {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]}
    )
    assert status == 502 and "refused or dropped" in body["error"]["message"], body
