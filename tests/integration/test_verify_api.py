"""Secure verification over HTTP (POST /api/verify, GET /api/verify/status) with each method,
its refusals and expiry, and the channel-key reveal it guards (403 codes, no-store, audit)."""

from __future__ import annotations

import pytest

from clawrouter.keys import LOG_DB, MAIN_DB
from tests.support.twofa import ClockGateway, enroll

KEY = "sk-upstream-very-secret-key"


@pytest.fixture
async def root(gw: ClockGateway):
    await gw.setup_root()
    return await gw.login("root", "rootpass123")


async def verify(client, payload) -> dict:
    status, body = await client.json("POST", "/api/verify", json=payload)
    assert status == 200, body
    return body


async def verified(client) -> dict:
    status, body = await client.json("GET", "/api/verify/status")
    assert status == 200 and body["success"], body
    return body["data"]


async def system_logs(gw: ClockGateway) -> list[dict]:
    return await gw.app[LOG_DB].fetchall("SELECT * FROM logs WHERE type = 4 ORDER BY id")


async def test_verify_with_a_totp_code(gw, root):
    secret, _ = await enroll(gw, root)
    assert await verified(root) == {"verified": False, "expires_at": 0}
    body = await verify(root, {"method": "2fa", "code": gw.code(secret)})
    now = int(gw.now)
    assert body == {
        "success": True,
        "message": "verified",
        "data": {"verified": True, "expires_at": now + 300},
    }
    assert await verified(root) == {"verified": True, "expires_at": now + 300}
    logs = await system_logs(gw)
    assert logs[-1]["content"] == "secure verification passed (method: 2fa)"
    assert logs[-1]["user_id"] == root.user_id
    gw.tick(299)
    assert (await verified(root))["verified"] is True
    gw.tick(1)
    assert await verified(root) == {"verified": False, "expires_at": 0}


async def test_verify_with_a_backup_code_once(gw, root):
    _, codes = await enroll(gw, root)
    assert (await verify(root, {"method": "2fa", "code": codes[0]}))["success"]
    body = await verify(root, {"method": "2fa", "code": codes[0]})
    assert body["success"] is False and "wrong" in body["message"]


async def test_verify_with_the_password_when_there_is_no_second_factor(gw, root):
    body = await verify(root, {"method": "2fa", "code": "123456"})
    assert body["success"] is False and "neither 2FA nor a passkey" in body["message"]
    body = await verify(root, {"method": "passkey"})
    assert body["success"] is False and "method password" in body["message"]
    body = await verify(root, {"method": "password", "password": "wrongpass123"})
    assert body == {"success": False, "message": "the password is wrong"}
    for bad in ({"method": "password"}, {"method": "password", "password": 12345678}):
        body = await verify(root, bad)
        assert body == {"success": False, "message": "password is required"}
    assert (await verified(root))["verified"] is False
    body = await verify(root, {"method": "password", "password": "rootpass123"})
    assert body["success"] and body["data"]["expires_at"] == int(gw.now) + 300
    assert (await system_logs(gw))[-1]["content"] == "secure verification passed (method: password)"
    # once 2FA is on, the password no longer verifies
    await enroll(gw, root)
    body = await verify(root, {"method": "password", "password": "rootpass123"})
    assert body["success"] is False and "verify with one of them" in body["message"]


async def test_verify_with_a_fresh_passkey_assertion(gw, root):
    """passkey verify/finish (auth.secure.mark_passkey_ready) leaves secure_passkey_ready_at in
    the session; POST /api/verify {method: passkey} consumes it within 60 s."""
    await gw.app[MAIN_DB].execute(
        "INSERT INTO passkey_credentials (user_id, credential_id, public_key) VALUES (?, ?, ?)",
        (root.user_id, "cred-1", "pk"),
    )
    login = {"id": root.user_id, "username": "root", "role": 100, "status": 1, "sv": 0}
    body = await verify(root, {"method": "passkey"})
    assert body["success"] is False and "no recent passkey check" in body["message"]
    gw.forge(root, {**login, "secure_passkey_ready_at": int(gw.now)})
    gw.tick(59)
    body = await verify(root, {"method": "passkey"})
    assert body["success"] and body["data"]["expires_at"] == int(gw.now) + 300
    body = await verify(root, {"method": "passkey"})  # single use
    assert body["success"] is False
    gw.forge(root, {**login, "secure_passkey_ready_at": int(gw.now)})
    gw.tick(60)
    body = await verify(root, {"method": "passkey"})
    assert body["success"] is False and "no recent passkey check" in body["message"]


async def test_verify_refuses_bad_input_cleanly(gw, root):
    for bad in ({}, {"method": "sms"}, {"method": 1}, {"method": None}, {"method": ["2fa"]}):
        body = await verify(root, bad)
        assert body == {
            "success": False,
            "message": "method must be one of: 2fa, passkey, password",
        }
    secret, _ = await enroll(gw, root)
    for bad in ({"method": "2fa"}, {"method": "2fa", "code": 123456}):
        body = await verify(root, bad)
        assert body["success"] is False and "code is required" in body["message"]
    status, body = await root.json("POST", "/api/verify", data=b"{")
    assert status == 400 and body["success"] is False
    status, body = await gw.client(user_id=1).json("POST", "/api/verify", json={})
    assert status == 401


async def test_an_access_token_cannot_verify(gw, root):
    _, body = await root.json("GET", "/api/user/token")
    scripted = gw.client(user_id=root.user_id)
    scripted.headers["Authorization"] = body["data"]
    body = await verify(scripted, {"method": "password", "password": "rootpass123"})
    assert body["success"] is False and "access token cannot verify" in body["message"]
    assert await verified(scripted) == {"verified": False, "expires_at": 0}


# ---- the channel-key reveal ---------------------------------------------------------------------
async def reveal(client, channel_id: int):
    resp = await client.request("POST", f"/api/channel/{channel_id}/key")
    return resp.status, await resp.json(), resp.headers


async def test_the_key_reveal_needs_a_verification(gw, root):
    cid = await gw.add_channel("http://127.0.0.1:9", key=KEY, name="main-openai")
    status, body, _ = await reveal(root, cid)
    assert status == 403
    assert body == {
        "success": False,
        "message": "secure verification required",
        "code": "VERIFICATION_REQUIRED",
    }
    assert (await verify(root, {"method": "password", "password": "rootpass123"}))["success"]
    status, body, headers = await reveal(root, cid)
    assert status == 200 and body == {
        "success": True,
        "message": "here is the channel key",
        "data": {"key": KEY},
    }
    assert headers["Cache-Control"].startswith("no-store")
    assert headers["Pragma"] == "no-cache" and headers["Expires"] == "0"
    row = (await system_logs(gw))[-1]
    assert row["content"] == f"viewed the key of channel #{cid} (main-openai)"
    assert row["user_id"] == root.user_id and row["username"] == "root"
    everything = await gw.app[LOG_DB].fetchall("SELECT * FROM logs")
    assert KEY not in repr(everything)
    status, body, _ = await reveal(root, 999)
    assert status == 200 and body == {"success": False, "message": "channel not found"}
    gw.tick(300)
    status, body, _ = await reveal(root, cid)
    assert status == 403 and body["code"] == "VERIFICATION_EXPIRED"
    status, body, _ = await reveal(root, cid)  # the expired keys were cleared
    assert status == 403 and body["code"] == "VERIFICATION_REQUIRED"


async def test_the_key_reveal_with_2fa_and_the_invalid_code(gw, root):
    cid = await gw.add_channel("http://127.0.0.1:9", key=KEY)
    secret, _ = await enroll(gw, root)
    assert (await verify(root, {"method": "2fa", "code": gw.code(secret)}))["success"]
    status, body, _ = await reveal(root, cid)
    assert status == 200 and body["data"]["key"] == KEY
    login = {"id": root.user_id, "username": "root", "role": 100, "status": 1, "sv": 0}
    gw.forge(root, {**login, "secure_verified_at": "yesterday"})
    status, body, _ = await reveal(root, cid)
    assert status == 403 and body["code"] == "VERIFICATION_INVALID"


async def test_a_verification_belongs_to_its_session(gw, root):
    """A cookie holding a verification but no login, sent with root's access token, does not
    open the reveal: the verification is not root's."""
    cid = await gw.add_channel("http://127.0.0.1:9", key=KEY)
    _, body = await root.json("GET", "/api/user/token")
    scripted = gw.client(user_id=root.user_id)
    scripted.headers["Authorization"] = body["data"]
    gw.forge(scripted, {"secure_verified_at": int(gw.now), "secure_verified_method": "2fa"})
    status, body, _ = await reveal(scripted, cid)
    assert status == 403 and body["code"] == "VERIFICATION_REQUIRED"


async def test_the_key_reveal_stays_root_only(gw, root):
    cid = await gw.add_channel("http://127.0.0.1:9", key=KEY)
    await gw.add_user("admin2", role=10)
    admin = await gw.login("admin2", "userpass123")
    assert (await verify(admin, {"method": "password", "password": "userpass123"}))["success"]
    status, body, _ = await reveal(admin, cid)
    assert status == 200 and body["success"] is False and "privilege" in body["message"]
