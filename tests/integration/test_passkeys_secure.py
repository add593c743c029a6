"""Passkeys and secure verification (POST /api/verify): without 2FA, deleting needs a passkey
verification; with 2FA on, registering needs a fresh 2FA verification (a passkey one does not
do), deleting needs a 2FA one, and a passkey login asks for no code."""

from __future__ import annotations

import pyotp
import pytest
from yarl import URL

from clawrouter.auth.sessions import COOKIE
from tests.support.authenticator import SoftAuthenticator
from tests.support.passkeys import (
    ORIGIN,
    PASSKEY,
    RP_ID,
    ClockGateway,
    begin,
    finish,
    login,
    set_options,
)


@pytest.fixture
async def root(gw: ClockGateway):
    await gw.setup_root()
    client = await gw.login("root", "rootpass123")
    await set_options(client, **{"passkey.enabled": True, "ServerAddress": ORIGIN})
    return client


async def test_delete_after_a_passkey_verification(gw: ClockGateway, root):
    await gw.add_user("alice")
    alice = await gw.login("alice", "userpass123")
    auth = SoftAuthenticator(ORIGIN, RP_ID)
    options = await begin(alice, "register")  # no 2FA: no verification needed to register
    assert (await finish(alice, "register", auth.create(options)))[1]["success"]
    status, body = await alice.json("DELETE", PASSKEY)
    assert status == 403 and body["code"] == "VERIFICATION_REQUIRED"
    _, body = await alice.json("POST", "/api/verify", json={"method": "passkey"})
    assert not body["success"]  # no passkey check yet
    options = await begin(alice, "verify")
    assert (await finish(alice, "verify", auth.get(options)))[1]["success"]
    gw.now += 61
    _, body = await alice.json("POST", "/api/verify", json={"method": "passkey"})
    assert not body["success"]  # too late: the check is good for 60 s
    options = await begin(alice, "verify")
    assert (await finish(alice, "verify", auth.get(options)))[1]["success"]
    _, body = await alice.json("POST", "/api/verify", json={"method": "passkey"})
    assert body["success"] and body["data"]["verified"] is True, body
    status, body = await alice.json("DELETE", PASSKEY)
    assert status == 200 and body == {"success": True, "message": "passkey removed"}
    assert (await alice.json("GET", PASSKEY))[1]["data"] == {"enabled": False}
    _, body = await login(gw, auth)
    assert not body["success"] and "not registered" in body["message"]


async def verify_2fa(gw: ClockGateway, client, secret: str) -> None:
    gw.now += 30  # a code is taken once per time step
    code = pyotp.TOTP(secret).at(gw.now)
    _, body = await client.json("POST", "/api/verify", json={"method": "2fa", "code": code})
    assert body["success"], body


async def test_passkey_with_2fa(gw: ClockGateway, root):
    await gw.add_user("carol")
    carol = await gw.login("carol", "userpass123")
    _, body = await carol.json("POST", "/api/user/2fa/setup")
    secret = body["data"]["secret"]
    code = pyotp.TOTP(secret).at(gw.now)
    assert (await carol.json("POST", "/api/user/2fa/enable", json={"code": code}))[1]["success"]

    auth = SoftAuthenticator(ORIGIN, RP_ID)
    for step in ("begin", "finish"):
        status, body = await carol.json("POST", f"{PASSKEY}/register/{step}", json={})
        assert status == 403 and body["code"] == "VERIFICATION_REQUIRED", body
    await verify_2fa(gw, carol, secret)
    options = await begin(carol, "register")
    assert (await finish(carol, "register", auth.create(options)))[1]["success"]

    client, body = await login(gw, auth)  # no 2FA step after a passkey
    assert body["success"] and body["data"]["username"] == "carol", body

    gw.now += 301
    status, body = await carol.json("DELETE", PASSKEY)
    assert status == 403 and body["code"] == "VERIFICATION_EXPIRED", body
    options = await begin(carol, "verify")
    assert (await finish(carol, "verify", auth.get(options)))[1]["success"]
    _, body = await carol.json("POST", "/api/verify", json={"method": "passkey"})
    assert body["success"], body
    status, body = await carol.json("DELETE", PASSKEY)
    assert status == 403 and body["code"] == "VERIFICATION_REQUIRED", body  # 2FA it must be
    await verify_2fa(gw, carol, secret)
    status, body = await carol.json("DELETE", PASSKEY)
    assert status == 200 and body["success"], body
    assert (await carol.json("GET", PASSKEY))[1]["data"] == {"enabled": False}


async def test_a_passkey_check_turns_into_one_verification_even_from_a_replayed_cookie(
    gw: ClockGateway, root
):
    await gw.add_user("dave")
    dave = await gw.login("dave", "userpass123")
    auth = SoftAuthenticator(ORIGIN, RP_ID)
    assert (await finish(dave, "register", auth.create(await begin(dave, "register"))))[1][
        "success"
    ]
    assert (await finish(dave, "verify", auth.get(await begin(dave, "verify"))))[1]["success"]
    jar, url = dave.session.cookie_jar, URL(gw.base)
    ready = jar.filter_cookies(url)[COOKIE].value  # the cookie holding the fresh passkey check
    _, body = await dave.json("POST", "/api/verify", json={"method": "passkey"})
    assert body["success"], body
    jar.update_cookies({COOKIE: ready}, url)  # the older cookie sent again (claims: spent)
    _, body = await dave.json("POST", "/api/verify", json={"method": "passkey"})
    assert body["success"] is False and "no recent passkey check" in body["message"], body
