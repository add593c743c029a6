"""Passkeys end to end over HTTP with a software authenticator: register, log in, verify (then
POST /api/verify), status, delete, admin reset, the passkey.* options and ServerAddress, the
switch, and the login rate limit."""

from __future__ import annotations

import base64

import pytest

from clawrouter.auth import secure
from clawrouter.db.repo import passkeys as repo
from clawrouter.keys import LOG_DB, MAIN_DB
from tests.support.authenticator import SoftAuthenticator, b64url
from tests.support.passkeys import (
    ORIGIN,
    PASSKEY,
    RP_ID,
    ClockGateway,
    begin,
    finish,
    login,
    register,
    session_of,
    set_options,
)


@pytest.fixture
async def root(gw: ClockGateway):
    await gw.setup_root()
    client = await gw.login("root", "rootpass123")
    await set_options(client, **{"passkey.enabled": True, "ServerAddress": ORIGIN + "/"})
    return client


@pytest.fixture
async def alice(gw: ClockGateway, root):
    uid = await gw.add_user("alice", display_name="Alice A")
    client = await gw.login("alice", "userpass123")
    assert client.user_id == uid
    return client


@pytest.fixture
def auth() -> SoftAuthenticator:
    return SoftAuthenticator(ORIGIN, RP_ID)


async def test_register_login_and_status(gw: ClockGateway, alice, auth):
    assert (await alice.json("GET", PASSKEY))[1]["data"] == {"enabled": False}
    options = await begin(alice, "register")
    assert options["rp"] == {"name": "ClawRouter", "id": RP_ID}
    assert options["user"] == {
        "id": b64url(str(alice.user_id).encode()),  # the decimal user id, as the reference
        "name": "alice",
        "displayName": "Alice A",
    }
    assert len(base64.urlsafe_b64decode(options["challenge"] + "==")) >= 32
    assert "=" not in options["challenge"] and options["timeout"] == 120_000
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["excludeCredentials"] == [] and options["attestation"] == "none"
    assert {"type": "public-key", "alg": -7} in options["pubKeyCredParams"]
    status, body = await finish(alice, "register", auth.create(options))
    assert status == 200 and body == {"success": True, "message": "passkey registered"}

    row = await repo.get_by_user(gw.app[MAIN_DB], alice.user_id)
    assert row["credential_id"] == base64.b64encode(auth.credential_id).decode()
    assert row["sign_count"] == 0 and row["attestation_type"] == "none"
    assert row["aaguid"] == "00000000-0000-0000-0000-000000000000"
    assert row["transports"] == '["internal","hybrid"]' and row["attachment"] == "platform"
    assert row["user_present"] == 1 and row["user_verified"] == 1
    assert (await alice.json("GET", PASSKEY))[1]["data"] == {"enabled": True, "last_used_at": None}

    options = await begin(gw.client(), "login")
    assert options["rpId"] == RP_ID and options["allowCredentials"] == []  # discoverable
    assert options["userVerification"] == "preferred"
    gw.now += 5
    client, body = await login(gw, auth)
    assert body["success"], body
    assert body["data"] == {
        "id": alice.user_id, "username": "alice", "display_name": "Alice A",
        "role": 1, "status": 1, "group": "default",
    }  # fmt: skip
    status, me = await client.json("GET", "/api/user/self")
    assert status == 200 and me["data"]["username"] == "alice"
    row = await repo.get_by_user(gw.app[MAIN_DB], alice.user_id)
    assert row["sign_count"] == 1 and row["last_used_at"] == int(gw.now)
    data = (await alice.json("GET", PASSKEY))[1]["data"]
    assert data["enabled"] is True and data["last_used_at"].endswith("Z")


async def test_verify_marks_the_session_ready(gw: ClockGateway, alice, auth):
    await register(alice, auth)
    status, body = await alice.json("DELETE", PASSKEY)
    assert status == 403 and body["code"] == "VERIFICATION_REQUIRED"  # method passkey needed
    options = await begin(alice, "verify")
    assert options["allowCredentials"] == [
        {
            "id": b64url(auth.credential_id),
            "type": "public-key",
            "transports": ["internal", "hybrid"],
        }
    ]
    assert options["rpId"] == RP_ID and options["userVerification"] == "preferred"
    gw.now += 7
    status, body = await finish(alice, "verify", auth.get(options))
    assert status == 200 and body == {"success": True, "message": "passkey verified"}
    assert session_of(gw, alice)[secure.PASSKEY_READY_AT] == int(gw.now)
    row = await repo.get_by_user(gw.app[MAIN_DB], alice.user_id)
    assert row["sign_count"] == 1 and row["last_used_at"] == int(gw.now)


async def test_verify_refuses_without_a_passkey_or_with_another_one(gw, alice, auth):
    status, body = await alice.json("POST", f"{PASSKEY}/verify/begin")
    assert body == {"success": False, "message": "you have no passkey registered"}
    await register(alice, auth)
    options = await begin(alice, "verify")
    stranger = SoftAuthenticator(ORIGIN, RP_ID)
    status, body = await finish(alice, "verify", stranger.get(options))
    assert not body["success"] and "not the passkey registered" in body["message"]
    assert secure.PASSKEY_READY_AT not in session_of(gw, alice)


async def test_admin_reset_and_role_rule(gw: ClockGateway, root, alice, auth):
    await register(alice, auth)
    admin_id = await gw.add_user("admin2", role=10)
    admin = await gw.login("admin2", "userpass123")
    admin_auth = SoftAuthenticator(ORIGIN, RP_ID)
    await register(admin, admin_auth)
    other_admin = await gw.add_user("admin3", role=10)
    await gw.login("admin3", "userpass123")
    _, body = await admin.json("DELETE", f"/api/user/{admin_id}/reset_passkey")
    assert not body["success"] and "privilege" in body["message"]  # an equal role
    _, body = await admin.json("DELETE", f"/api/user/{other_admin}/reset_passkey")
    assert not body["success"] and "privilege" in body["message"]
    _, body = await admin.json("DELETE", "/api/user/999/reset_passkey")
    assert body == {"success": False, "message": "user not found"}
    _, body = await admin.json("DELETE", f"/api/user/{alice.user_id}/reset_passkey")
    assert body == {"success": True, "message": "passkey reset"}
    _, body = await admin.json("DELETE", f"/api/user/{alice.user_id}/reset_passkey")
    assert body == {"success": False, "message": "this user has no passkey"}
    assert (await alice.json("GET", PASSKEY))[1]["data"] == {"enabled": False}
    logs = await gw.app[LOG_DB].fetchall("SELECT * FROM logs WHERE type = 3")
    assert [(r["user_id"], r["content"]) for r in logs] == [
        (alice.user_id, "admin reset the passkey")
    ]
    assert '"admin_username":"admin2"' in logs[0]["other"]
    _, body = await root.json("DELETE", f"/api/user/{admin_id}/reset_passkey")
    assert body["success"], body  # root outranks everyone


async def test_switch_off(gw: ClockGateway, root, alice, auth):
    await register(alice, auth)
    await set_options(root, **{"passkey.enabled": False})
    for ceremony in ("register", "login", "verify"):
        for step in ("begin", "finish"):
            client = alice if ceremony != "login" else gw.client()
            status, body = await client.json("POST", f"{PASSKEY}/{ceremony}/{step}", json={})
            assert status == 200 and body["success"] is False, (ceremony, step)
            assert "disabled" in body["message"] and "passkey.enabled" in body["message"]
    assert (await alice.json("GET", PASSKEY))[1]["data"]["enabled"] is True
    # No 2FA, and no passkey check possible while switched off: the owner may remove it.
    status, body = await alice.json("DELETE", PASSKEY)
    assert status == 200 and body["success"], body
    await set_options(root, **{"passkey.enabled": True})
    await register(alice, SoftAuthenticator(ORIGIN, RP_ID))
    await set_options(root, **{"passkey.enabled": False})
    _, body = await root.json("DELETE", f"/api/user/{alice.user_id}/reset_passkey")
    assert body["success"], body


SUB = "https://eu.gateway.test:8443"
INSECURE = {"ServerAddress": "http://lan.box:3000", "passkey.allow_insecure_origin": True}


@pytest.mark.parametrize(
    ("options", "rp_id", "origin"),
    [
        ({"passkey.origins": f"https://gateway.test, {SUB}"}, RP_ID, SUB),
        ({"passkey.origins": SUB, "passkey.rp_id": "gateway.test:8443"}, RP_ID, SUB),
        (INSECURE, "lan.box", "http://lan.box:3000"),
        ({"ServerAddress": "http://localhost:3000"}, "localhost", "http://localhost:3000"),
    ],
)
async def test_rp_id_and_origins_from_options(gw, root, alice, options, rp_id, origin):
    await set_options(root, **{"ServerAddress": "", **options})
    auth = SoftAuthenticator(origin, rp_id)
    await register(alice, auth)
    client, body = await login(gw, auth)
    assert body["success"], body
    await set_options(root, **{"passkey.user_verification": "required"})
    auth.user_verified = False
    _, body = await login(gw, auth)
    assert not body["success"] and "User verification is required" in body["message"]


async def test_localhost_without_server_address(gw, root, alice):
    await set_options(root, ServerAddress="")
    _, body = await alice.json("POST", f"{PASSKEY}/register/begin")
    assert not body["success"] and "ServerAddress" in body["message"]  # 127.0.0.1: no RP id
    port = gw.base.rsplit(":", 1)[1]
    headers = {"Host": f"localhost:{port}"}
    status, body = await alice.json("POST", f"{PASSKEY}/register/begin", headers=headers)
    assert body["success"] and body["data"]["options"]["publicKey"]["rp"]["id"] == "localhost"
    auth = SoftAuthenticator(f"http://localhost:{port}", "localhost")
    credential = auth.create(body["data"]["options"]["publicKey"])
    _, body = await alice.json(
        "POST", f"{PASSKEY}/register/finish", json=credential, headers=headers
    )
    assert body["success"], body


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"ServerAddress": "http://gateway.test"}, "not HTTPS"),
        ({"ServerAddress": "https://192.0.2.5"}, "IP address"),
        ({"passkey.origins": ORIGIN, "passkey.rp_id": "other.test"}, "not on the passkey RP"),
        ({"passkey.origins": f"https://a.{RP_ID}, https://{RP_ID}"}, "not on the passkey RP"),
        ({"passkey.origins": "gateway.test"}, "https://host"),
    ],
)
async def test_bad_settings_are_clear_errors(gw, root, alice, options, words):
    await set_options(root, **options)
    for client, ceremony in ((alice, "register"), (gw.client(), "login")):
        status, body = await client.json("POST", f"{PASSKEY}/{ceremony}/begin")
        assert status == 200 and not body["success"] and words in body["message"], body


async def test_enum_options_are_checked(root):
    for key, value in (
        ("passkey.user_verification", "maybe"),
        ("passkey.attachment_preference", "usb"),
    ):
        _, body = await root.json("PUT", "/api/option/", json={"key": key, "value": value})
        assert not body["success"] and key in body["message"], body
    await set_options(root, **{"passkey.attachment_preference": "cross-platform"})
    options = await begin(root, "register")
    assert options["authenticatorSelection"]["authenticatorAttachment"] == "cross-platform"


async def test_login_is_behind_the_critical_rate_limit(gw: ClockGateway, root):
    client = gw.client()
    statuses = [(await client.request("POST", f"{PASSKEY}/login/begin")).status for _ in range(22)]
    assert 429 in statuses and set(statuses[: statuses.index(429)]) == {200}, statuses
    resp = await client.request("POST", f"{PASSKEY}/login/begin")
    assert resp.status == 429 and int(resp.headers["Retry-After"]) > 0
    resp = await client.request("POST", f"{PASSKEY}/login/finish", json={})
    assert resp.status == 429 and (await resp.json())["success"] is False
