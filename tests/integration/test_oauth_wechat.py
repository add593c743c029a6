"""WeChat sign-in against a fake WeChat login server on 127.0.0.1: GET /api/oauth/wechat?code=
logs in or registers `wechat_<n>`, POST /api/oauth/wechat/bind {code} (and the older GET ?code=)
binds; the server's refusals and failures are clear success:false answers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from clawrouter.config import Config, replace
from clawrouter.db.repo import users as users_repo
from clawrouter.keys import MAIN_DB
from tests.support.fake_oauth import FakeWeChat
from tests.support.gateway import Client, Gateway
from tests.support.oauth_cases import TIMEOUT_S, set_options


@pytest.fixture
async def wechat() -> AsyncIterator[FakeWeChat]:
    async with FakeWeChat() as fake:
        yield fake


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, providers={"timeout_seconds": TIMEOUT_S})


@pytest.fixture
async def enabled(root: Client, wechat: FakeWeChat) -> Client:
    await set_options(
        root,
        {
            "WeChatServerAddress": wechat.base_url,
            "WeChatServerToken": wechat.token,
            "WeChatAuthEnabled": True,
        },
    )
    return root


async def login(client: Client, code: str) -> dict:
    status, body = await client.json("GET", "/api/oauth/wechat", params={"code": code})
    assert status == 200, body
    if body["success"]:
        client.user_id = body["data"]["id"]
    return body


async def test_first_sign_in_registers_a_wechat_user_then_logs_in(
    enabled, gateway: Gateway, wechat: FakeWeChat
):
    max_id = await gateway.app[MAIN_DB].fetchval("SELECT MAX(id) FROM users")
    c = gateway.client()
    body = await login(c, wechat.authorize({"openid": "wx-openid-1"}))
    assert body["success"], body
    assert body["data"]["username"] == f"wechat_{max_id + 1}"
    assert body["data"]["display_name"] == "WeChat User"
    status, me = await c.json("GET", "/api/user/self")
    assert me["success"] and me["data"]["wechat_id"] == "wx-openid-1"
    call = wechat.calls("/api/wechat/user")[0]
    assert call.headers["Authorization"] == wechat.token and call.query["code"]
    again = await login(gateway.client(), wechat.authorize({"openid": "wx-openid-1"}))
    assert again["success"] and again["data"]["id"] == body["data"]["id"]


async def test_a_wrong_or_missing_code(enabled, gateway: Gateway, wechat: FakeWeChat):
    body = await login(gateway.client(), "000000")
    assert body["success"] is False
    assert body["message"] == "the WeChat server refused the code: the code is wrong or has expired"
    body = await login(gateway.client(), "")
    assert body["success"] is False and "code is missing" in body["message"]


async def test_switched_off(root, gateway: Gateway, wechat: FakeWeChat):
    body = await login(gateway.client(), wechat.authorize({"openid": "x"}))
    assert body["success"] is False and "WeChat is not enabled" in body["message"]
    assert not wechat.requests


async def test_registration_switched_off_and_banned_users(
    enabled: Client, gateway: Gateway, wechat: FakeWeChat
):
    await set_options(enabled, {"RegisterEnabled": False})
    body = await login(gateway.client(), wechat.authorize({"openid": "new"}))
    assert body["success"] is False and "registration is turned off" in body["message"]
    await gateway.add_user("banned", status=2, wechat_id="wx-banned")
    body = await login(gateway.client(), wechat.authorize({"openid": "wx-banned"}))
    assert body["success"] is False and "banned" in body["message"]


async def test_the_server_token_is_checked(enabled: Client, gateway: Gateway, wechat: FakeWeChat):
    await set_options(enabled, {"WeChatServerToken": "not-the-token"})
    body = await login(gateway.client(), wechat.authorize({"openid": "x"}))
    assert body["success"] is False
    assert "the WeChat server refused the request (HTTP 401: unauthorized)" in body["message"]


@pytest.mark.parametrize(
    ("how", "says"),
    [
        ("slow", f"the WeChat server did not answer within {TIMEOUT_S:g} seconds"),
        ("not_json", "not JSON"),
        ("http_500", "HTTP 500"),
        ("empty", "empty body"),
    ],
)
async def test_server_failures_are_clear(
    enabled, gateway: Gateway, wechat: FakeWeChat, how: str, says: str
):
    wechat.misbehave("user", how)
    started = time.monotonic()
    body = await login(gateway.client(), wechat.authorize({"openid": "x"}))
    assert time.monotonic() - started < 3
    assert body["success"] is False and says in body["message"], body


async def test_server_down(enabled, gateway: Gateway, wechat: FakeWeChat):
    code = wechat.authorize({"openid": "x"})
    await wechat.stop()
    body = await login(gateway.client(), code)
    assert body["success"] is False
    assert body["message"].startswith("could not connect to the WeChat server"), body


async def test_bind_by_post_and_by_the_older_get(enabled, gateway: Gateway, wechat: FakeWeChat):
    uid = await gateway.add_user("carol")
    carol = await gateway.login("carol", "userpass123")
    code = wechat.authorize({"openid": "wx-carol"})
    status, body = await carol.json("POST", "/api/oauth/wechat/bind", json={"code": code})
    assert status == 200 and body == {"success": True, "message": ""}
    assert (await users_repo.get_user(gateway.app[MAIN_DB], uid))["wechat_id"] == "wx-carol"
    code = wechat.authorize({"openid": "wx-carol-2"})
    status, body = await carol.json("GET", "/api/oauth/wechat/bind", params={"code": code})
    assert body["success"], body
    assert (await users_repo.get_user(gateway.app[MAIN_DB], uid))["wechat_id"] == "wx-carol-2"
    body = await login(gateway.client(), wechat.authorize({"openid": "wx-carol-2"}))
    assert body["success"] and body["data"]["id"] == uid


async def test_bind_refusals(enabled, gateway: Gateway, wechat: FakeWeChat):
    await gateway.add_user("owner", wechat_id="wx-owner")
    dave_id = await gateway.add_user("dave")
    dave = await gateway.login("dave", "userpass123")
    code = wechat.authorize({"openid": "wx-owner"})
    status, body = await dave.json("POST", "/api/oauth/wechat/bind", json={"code": code})
    assert body["success"] is False and "already bound to another user" in body["message"]
    assert (await users_repo.get_user(gateway.app[MAIN_DB], dave_id))["wechat_id"] == ""
    status, body = await gateway.client().json(
        "POST", "/api/oauth/wechat/bind", json={"code": wechat.authorize({"openid": "y"})}
    )
    assert status == 401  # a bind needs a login (and New-Api-User)
    status, body = await dave.json("POST", "/api/oauth/wechat/bind", json={})
    assert body["success"] is False and "code is missing" in body["message"]
