"""First-run setup, login, logout, sessions across restarts, the login rate limit."""

from __future__ import annotations

import pytest

from clawrouter.config import replace
from tests.support.gateway import Gateway


async def test_setup_creates_root_once(gateway: Gateway):
    c = gateway.client()
    status, body = await c.json("GET", "/api/setup")
    kind = {"sqlite": "sqlite", "postgresql": "postgres"}[gateway.config.db_backend]  # new-api's
    assert body["data"] == {"status": False, "root_init": False, "database_type": kind}
    status, body = await c.json("GET", "/api/status")
    assert body["data"]["setup"] is False

    await gateway.setup_root()
    status, body = await c.json("GET", "/api/setup")
    assert body["data"]["status"] is True
    status, body = await c.json("GET", "/api/status")
    assert body["data"]["setup"] is True

    again = {"username": "evil", "password": "password99", "confirmPassword": "password99"}
    status, body = await c.json("POST", "/api/setup", json=again)
    assert status == 200 and body["success"] is False
    assert "already" in body["message"]
    user = await gateway.login("root", "rootpass123")
    status, body = await user.json("GET", "/api/user/self")
    assert body["data"]["role"] == 100 and body["data"]["quota"] == 100_000_000
    assert body["data"]["display_name"] == "Root User"


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"password": "password1", "confirmPassword": "password1"}, "username is required"),
        ({"username": "r", "password": "short", "confirmPassword": "short"}, "at least 8"),
        ({"username": "r", "password": "password1", "confirmPassword": "password2"}, "match"),
        ({"username": "averyveryverylongname", "password": "password1", "confirmPassword": "password1"}, "12"),
        ({"username": 5, "password": "password1", "confirmPassword": "password1"}, "username"),
        ({"username": "r", "password": 12345678, "confirmPassword": 12345678}, "password"),
        ({"username": "r", "password": "password1", "confirmPassword": "password1", "SelfUseModeEnabled": "yes"}, "SelfUseModeEnabled"),
    ],
)  # fmt: skip
async def test_setup_validation(gateway: Gateway, payload, fragment):
    status, body = await gateway.client().json("POST", "/api/setup", json=payload)
    assert status == 200 and body["success"] is False
    assert fragment in body["message"]
    status, body = await gateway.client().json("GET", "/api/setup")
    assert body["data"]["status"] is False, "a failed setup must not half-initialise"


async def test_setup_saves_mode_flags(gateway: Gateway):
    payload = {
        "username": "root",
        "password": "rootpass123",
        "confirmPassword": "rootpass123",
        "SelfUseModeEnabled": True,
    }
    status, body = await gateway.client().json("POST", "/api/setup", json=payload)
    assert body["success"], body
    status, body = await gateway.client().json("GET", "/api/status")
    assert body["data"]["self_use_mode_enabled"] is True
    assert body["data"]["demo_site_enabled"] is False


async def test_login_good_and_bad(root, gateway: Gateway):
    c = gateway.client()
    for creds in (
        {"username": "root", "password": "wrongpass1"},
        {"username": "nobody", "password": "rootpass123"},
    ):
        status, body = await c.json("POST", "/api/user/login", json=creds)
        assert status == 200 and body["success"] is False
        assert body["message"] == "username or password is wrong, or the user has been banned"
    status, body = await c.json("POST", "/api/user/login", json={"username": "root"})
    assert body["success"] is False and "required" in body["message"]
    status, body = await c.json(
        "POST", "/api/user/login", json={"username": "root", "password": "rootpass123"}
    )
    assert body["success"] is True
    assert body["data"] == {
        "id": 1,
        "username": "root",
        "display_name": "Root User",
        "role": 100,
        "status": 1,
        "group": "default",
    }
    resp = await c.request(
        "POST", "/api/user/login", json={"username": "root", "password": "rootpass123"}
    )
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=2592000" in cookie


async def test_login_by_email_and_disabled_user(root, gateway: Gateway):
    await gateway.add_user("alice", email="alice@example.com")
    await gateway.add_user("bob", status=2)
    c = gateway.client()
    status, body = await c.json(
        "POST", "/api/user/login", json={"username": "alice@example.com", "password": "userpass123"}
    )
    assert body["success"] and body["data"]["username"] == "alice"
    status, body = await c.json(
        "POST", "/api/user/login", json={"username": "bob", "password": "userpass123"}
    )
    assert body["success"] is False


async def test_logout_ends_session(root, gateway: Gateway):
    status, body = await root.json("GET", "/api/user/self")
    assert body["success"]
    status, body = await root.json("GET", "/api/user/logout")
    assert body["success"]
    status, body = await root.json("GET", "/api/user/self")
    assert status == 401 and body["success"] is False


async def test_session_survives_restart(root, gateway: Gateway):
    await gateway.restart()
    status, body = await root.json("GET", "/api/user/self")
    assert status == 200 and body["data"]["username"] == "root"


async def test_tampered_cookie_is_rejected(root, gateway: Gateway):
    c = gateway.client(user_id=1)
    c.headers["Cookie"] = "session=eyJhbGciOiJIUzI1NiJ9.eyJpZCI6MX0.forged"
    status, body = await c.json("GET", "/api/user/self")
    assert status == 401


async def test_login_rate_limit(gateway: Gateway, config):
    await gateway.stop()
    gateway.config = replace(config, security={"critical_rate_limit": 3, "api_rate_limit": 0})
    await gateway.start()
    c = gateway.client()
    for _ in range(3):
        status, _ = await c.json("POST", "/api/user/login", json={"username": "x", "password": "y"})
        assert status == 200
    resp = await c.request("POST", "/api/user/login", json={"username": "x", "password": "y"})
    assert resp.status == 429
    assert int(resp.headers["Retry-After"]) >= 1
    body = await resp.json()
    assert body["success"] is False and "retry" in body["message"]
