"""Access tokens, the New-Api-User rule, role guards and the caller's own profile."""

from __future__ import annotations

import pytest

from tests.support.gateway import Gateway


async def test_access_token_with_and_without_bearer(root, gateway: Gateway):
    status, body = await root.json("GET", "/api/user/token")
    token = body["data"]
    assert isinstance(token, str) and 20 <= len(token) <= 32
    for header in (token, f"Bearer {token}"):
        c = gateway.client(user_id=1)
        status, body = await c.json("GET", "/api/user/self", headers={"Authorization": header})
        assert status == 200 and body["data"]["username"] == "root"
    # a new token replaces the old one
    status, body = await root.json("GET", "/api/user/token")
    c = gateway.client(user_id=1)
    status, body = await c.json("GET", "/api/user/self", headers={"Authorization": token})
    assert status == 200 and body["success"] is False and "invalid" in body["message"]


@pytest.mark.parametrize(
    ("header", "expected_status"),
    [(None, 401), ("abc", 401), ("2", 401), ("1", 200)],
)
async def test_new_api_user_rule(root, gateway: Gateway, header, expected_status):
    status, body = await root.json("GET", "/api/user/token")
    token = body["data"]
    for auth in ({"Authorization": token}, None):
        c = gateway.client() if auth else root
        headers = dict(auth or {})
        saved, c.user_id = c.user_id, None
        if header is not None:
            headers["New-Api-User"] = header
        status, body = await c.json("GET", "/api/user/self", headers=headers)
        c.user_id = saved
        assert status == expected_status, (auth, body)
        if expected_status == 401:
            assert body["success"] is False and body["message"]


async def test_no_credentials_is_401(gateway: Gateway):
    status, body = await gateway.client(user_id=1).json("GET", "/api/user/self")
    assert status == 401 and body == {
        "success": False,
        "message": "not logged in and no access token was provided",
    }


async def test_role_guards(root, gateway: Gateway):
    await gateway.add_user("carol", role=1)
    await gateway.add_user("adam", role=10)
    common = await gateway.login("carol", "userpass123")
    admin = await gateway.login("adam", "userpass123")
    # common user on an admin route, admin on a root route: refused, as the reference does
    for client, path in ((common, "/api/status/test"), (admin, "/api/option/")):
        status, body = await client.json("GET", path)
        assert status == 200 and body["success"] is False
        assert "privilege" in body["message"]
    status, body = await admin.json("GET", "/api/status/test")
    assert status == 200 and body["success"] and body["message"] == "Server is running"
    status, body = await root.json("GET", "/api/option/")
    assert body["success"] and isinstance(body["data"], list)
    status, body = await admin.json("PUT", "/api/option/", json={"key": "Notice", "value": "x"})
    assert body["success"] is False
    status, body = await gateway.client().json("GET", "/api/notice")
    assert body["data"] == "", "a refused write must not change anything"


async def test_banned_user_is_refused_even_with_session(root, gateway: Gateway):
    uid = await gateway.add_user("dave")
    dave = await gateway.login("dave", "userpass123")
    from clawrouter.db.repo import users as users_repo
    from clawrouter.keys import MAIN_DB

    await users_repo.update_user(gateway.app[MAIN_DB], uid, {"status": 2})
    status, body = await dave.json("GET", "/api/user/self")
    assert status == 200 and body["success"] is False and "banned" in body["message"]


async def test_update_self(root, gateway: Gateway):
    await gateway.add_user("erin")
    erin = await gateway.login("erin", "userpass123")
    status, body = await erin.json("PUT", "/api/user/self", json={"display_name": "Erin E"})
    assert body["success"], body
    status, body = await erin.json("GET", "/api/user/self")
    assert body["data"]["display_name"] == "Erin E"
    assert "password" not in body["data"] and "access_token" not in body["data"]
    assert body["data"]["permissions"] == {
        "sidebar_settings": True,
        "sidebar_modules": {"admin": False},
    }

    status, body = await erin.json("PUT", "/api/user/self", json={"password": "newpass123"})
    assert body["success"] is False and "original password" in body["message"]
    bad = {"password": "newpass123", "original_password": "wrong"}
    status, body = await erin.json("PUT", "/api/user/self", json=bad)
    assert body["success"] is False
    good = {"password": "newpass123", "original_password": "userpass123"}
    status, body = await erin.json("PUT", "/api/user/self", json=good)
    assert body["success"], body
    await gateway.login("erin", "newpass123")

    status, body = await erin.json("PUT", "/api/user/self", json={"username": "root"})
    assert body["success"] is False and "taken" in body["message"]
    status, body = await erin.json("PUT", "/api/user/self", json={"display_name": ["x"]})
    assert body["success"] is False
    status, body = await erin.json("PUT", "/api/user/self", json={"sidebar_modules": '{"a":1}'})
    assert body["success"]
    status, body = await erin.json("GET", "/api/user/self")
    assert body["data"]["sidebar_modules"] == '{"a":1}'
