"""Session hygiene over HTTP: every way a password changes ends the user's other sessions and
revokes the access token while the session making the change stays logged in; bcrypt's 72-byte
rule; the cookie's attributes (Secure only over TLS or a trusted X-Forwarded-Proto); access
tokens stored as digests; secrets redacted from log lines."""

from __future__ import annotations

import asyncio
import hashlib
import os

import pytest

from clawrouter.cli import main
from clawrouter.config import replace
from clawrouter.keys import MAIN_DB
from clawrouter.logs import redact
from tests.support.gateway import Client, Gateway

EMOJI_PASSWORD = "pw" + "🔑" * 18  # 20 characters (the length rule) but 74 bytes


async def token_client(gateway: Gateway, client: Client) -> Client:
    """A second caller of the same user with a fresh access token."""
    _, body = await client.json("GET", "/api/user/token")
    scripted = gateway.client(user_id=client.user_id)
    scripted.headers["Authorization"] = body["data"]
    return scripted


async def alive(client: Client) -> bool:
    status, body = await client.json("GET", "/api/user/self")
    return status == 200 and body["success"] is True


async def test_changing_ones_password_ends_the_other_sessions(gateway: Gateway, root):
    other = await gateway.login("root", "rootpass123")
    scripted = await token_client(gateway, root)
    assert await alive(other) and await alive(scripted)
    change = {"password": "newpass1234", "original_password": "rootpass123"}
    status, body = await root.json("PUT", "/api/user/self", json=change)
    assert body == {"success": True, "message": ""}
    assert await alive(root)  # the session that made the change stays
    status, _ = await other.json("GET", "/api/user/self")
    assert status == 401
    _, body = await scripted.json("GET", "/api/user/self")
    assert body["success"] is False and "access token is invalid" in body["message"]
    assert await alive(await gateway.login("root", "newpass1234"))
    # a profile change without a password ends nothing
    again = await gateway.login("root", "newpass1234")
    assert (await root.json("PUT", "/api/user/self", json={"display_name": "R"}))[1]["success"]
    assert await alive(again)


async def test_a_wrong_original_password_changes_nothing(gateway: Gateway, root):
    other = await gateway.login("root", "rootpass123")
    change = {"password": "newpass1234", "original_password": "nope-nope"}
    _, body = await root.json("PUT", "/api/user/self", json=change)
    assert body["success"] is False and "original password is wrong" in body["message"]
    assert await alive(other)


async def test_an_admin_setting_a_password_ends_that_users_sessions(gateway: Gateway, root):
    uid = await gateway.add_user("plain", role=1)
    plain = await gateway.login("plain", "userpass123")
    scripted = await token_client(gateway, plain)
    _, body = await root.json("PUT", "/api/user/", json={"id": uid, "password": "fresh-pass-1"})
    assert body["success"], body
    assert (await plain.json("GET", "/api/user/self"))[0] == 401
    assert (await scripted.json("GET", "/api/user/self"))[1]["success"] is False
    assert await alive(root)
    assert await alive(await gateway.login("plain", "fresh-pass-1"))
    # an edit without a password ends nothing
    plain = await gateway.login("plain", "fresh-pass-1")
    assert (await root.json("PUT", "/api/user/", json={"id": uid, "remark": "x"}))[1]["success"]
    assert await alive(plain)


async def test_root_setting_its_own_password_stays_logged_in(gateway: Gateway, root):
    other = await gateway.login("root", "rootpass123")
    _, body = await root.json(
        "PUT", "/api/user/", json={"id": root.user_id, "password": "fresh-pass-1"}
    )
    assert body["success"], body
    assert await alive(root)
    assert (await other.json("GET", "/api/user/self"))[0] == 401


async def test_cli_reset_password_ends_the_sessions(gateway: Gateway, root, monkeypatch):
    for key in [k for k in os.environ if k.startswith("CLAWROUTER_")]:
        monkeypatch.delenv(key)
    scripted = await token_client(gateway, root)
    data_dir = gateway.config.server.data_dir
    argv = ["reset-password", "root", "--data-dir", data_dir, "--password", "cli-pass-123"]
    assert await asyncio.to_thread(main, argv) == 0
    assert (await root.json("GET", "/api/user/self"))[0] == 401
    assert (await scripted.json("GET", "/api/user/self"))[1]["success"] is False
    assert await alive(await gateway.login("root", "cli-pass-123"))


async def test_passwords_over_72_bytes_are_refused_everywhere(gateway: Gateway, root):
    assert len(EMOJI_PASSWORD) == 20 and len(EMOJI_PASSWORD.encode()) == 74
    uid = await gateway.add_user("plain", role=1)
    change = {"password": EMOJI_PASSWORD, "original_password": "rootpass123"}
    _, body = await root.json("PUT", "/api/user/self", json=change)
    assert body == {"success": False, "message": "password must be at most 72 bytes"}
    _, body = await root.json("PUT", "/api/user/", json={"id": uid, "password": EMOJI_PASSWORD})
    assert body == {"success": False, "message": "password must be at most 72 bytes"}
    new = {"username": "emoji", "password": EMOJI_PASSWORD}
    _, body = await root.json("POST", "/api/user/", json=new)
    assert body == {"success": False, "message": "password must be at most 72 bytes"}
    argv = ["reset-password", "root", "--data-dir", gateway.config.server.data_dir]
    assert await asyncio.to_thread(main, [*argv, "--password", "x" * 73]) == 2
    assert await alive(root)


async def test_access_tokens_are_stored_as_digests(gateway: Gateway, root):
    _, body = await root.json("GET", "/api/user/token")
    token = body["data"]
    stored = await gateway.app[MAIN_DB].fetchval(
        "SELECT access_token FROM users WHERE id = ?", (root.user_id,)
    )
    assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored
    by_digest = gateway.client(user_id=root.user_id)
    by_digest.headers["Authorization"] = stored  # a copy of the database opens nothing
    _, body = await by_digest.json("GET", "/api/user/self")
    assert body["success"] is False


# ---- cookie attributes --------------------------------------------------------------------------
def set_cookie(resp) -> str:
    values = resp.headers.getall("Set-Cookie")
    assert len(values) == 1, values
    return values[0]


async def login_cookie(gateway: Gateway, **headers: str) -> str:
    c = gateway.client()
    resp = await c.request(
        "POST",
        "/api/user/login",
        json={"username": "root", "password": "rootpass123"},
        headers=headers,
    )
    return set_cookie(resp)


async def test_cookie_attributes_without_tls(gateway: Gateway, root):
    cookie = await login_cookie(gateway)
    attrs = {a.strip().split("=")[0].lower() for a in cookie.split(";")}
    assert {"httponly", "samesite", "path", "max-age"} <= attrs and "secure" not in attrs
    assert "SameSite=Lax" in cookie and "Max-Age=2592000" in cookie
    # a forwarded proto is not believed unless server.trust_forwarded_for is on
    assert "Secure" not in await login_cookie(gateway, **{"X-Forwarded-Proto": "https"})
    resp = await root.request("GET", "/api/user/logout")
    gone = set_cookie(resp)
    assert "Max-Age=0" in gone and "HttpOnly" in gone and "SameSite=Lax" in gone


@pytest.mark.parametrize(
    ("security", "server", "headers", "secure"),
    [
        ({}, {"trust_forwarded_for": True}, {"X-Forwarded-Proto": "https"}, True),
        ({}, {"trust_forwarded_for": True}, {"X-Forwarded-Proto": "https, http"}, True),
        ({}, {"trust_forwarded_for": True}, {"X-Forwarded-Proto": "http"}, False),
        ({}, {"trust_forwarded_for": True}, {}, False),
        ({"cookie_secure": True}, {}, {}, True),
    ],
)
async def test_cookie_secure_behind_tls(config, security, server, headers, secure):
    gw = Gateway(replace(config, security={"api_rate_limit": 0, **security}, server=server))
    await gw.start()
    try:
        await gw.setup_root()
        cookie = await login_cookie(gw, **headers)
        assert ("; Secure" in cookie) is secure, cookie
    finally:
        await gw.stop()


def test_log_lines_never_carry_codes_tokens_or_passwords():
    line = (
        "GET /api/oauth/github?code=gh-code-1&state=abc /api/user/reset?email=a@b.c&token=t0k"
        " /v1beta/models?key=AIza123 /x?password=hunter2&secret=s3&hash=h4sh&error_code=1"
    )
    out = redact(line)
    for secret in ("gh-code-1", "t0k", "AIza123", "hunter2", "s3", "h4sh"):
        assert secret not in out, out
    assert "state=abc" in out and "email=a@b.c" in out
    assert redact("GET /api/log/?p=1&page_size=10") == "GET /api/log/?p=1&page_size=10"
