"""Passkey ceremonies the gateway must refuse, each over HTTP with the software authenticator:
wrong origin or RP id, a replayed or expired challenge, an unknown credential, another key's
signature, a disabled or deleted user, a second credential, a counter that went backwards, and
malformed bodies of every shape (never a 5xx)."""

from __future__ import annotations

import pytest

from clawrouter.auth.webauthn import STATE_TTL
from clawrouter.db.repo import passkeys as repo
from clawrouter.keys import MAIN_DB
from tests.support.authenticator import SoftAuthenticator, b64url, cbor
from tests.support.passkeys import (
    ORIGIN,
    PASSKEY,
    RP_ID,
    ClockGateway,
    begin,
    cookie_of,
    finish,
    login,
    put_cookie,
    register,
    set_options,
)


@pytest.fixture
async def root(gw: ClockGateway):
    await gw.setup_root()
    client = await gw.login("root", "rootpass123")
    await set_options(client, **{"passkey.enabled": True, "ServerAddress": ORIGIN})
    return client


@pytest.fixture
async def alice(gw: ClockGateway, root):
    await gw.add_user("alice")
    return await gw.login("alice", "userpass123")


@pytest.fixture
def auth() -> SoftAuthenticator:
    return SoftAuthenticator(ORIGIN, RP_ID)


async def refused(client, ceremony: str, credential, *words: str) -> None:
    status, body = await finish(client, ceremony, credential)
    assert status == 200 and body["success"] is False, body
    for word in words:
        assert word in body["message"], body


async def test_wrong_origin_and_rp_id(gw: ClockGateway, alice, auth):
    options = await begin(alice, "register")
    await refused(alice, "register", auth.create(options, origin="https://evil.test"), "origin")
    options = await begin(alice, "register")
    await refused(alice, "register", auth.create(options, rp_id="evil.test"), "RP ID")
    await register(alice, auth)
    for kw, words in (
        ({"origin": "https://evil.test"}, "origin"),
        ({"rp_id": "evil.test"}, "RP ID"),
    ):
        client = gw.client()
        options = await begin(client, "login")
        await refused(client, "login", auth.get(options, **kw), words)
        options = await begin(alice, "verify")
        await refused(alice, "verify", auth.get(options, **kw), words)


async def test_replayed_challenge(gw: ClockGateway, alice, auth):
    await register(alice, auth)
    auth.counter = False  # no counter: only the challenge stops a replay
    client = gw.client()
    options = await begin(client, "login")
    begun = cookie_of(gw, client)
    assertion = auth.get(options)
    status, body = await finish(client, "login", assertion)
    assert body["success"], body
    await refused(client, "login", assertion, "no passkey ceremony is in progress")
    put_cookie(gw, client, begun)  # the cookie from before the finish still holds the state
    await refused(client, "login", assertion, "already answered")
    other = gw.client()  # nor does a fresh ceremony accept an answer to the old challenge
    await begin(other, "login")
    await refused(other, "login", assertion, "challenge was not expected")
    options = await begin(alice, "verify")  # the session keeps no state once answered
    assertion = auth.get(options)
    assert (await finish(alice, "verify", assertion))[1]["success"]
    await refused(alice, "verify", assertion, "no passkey ceremony is in progress")


async def test_expired_begin(gw: ClockGateway, alice, auth):
    options = await begin(alice, "register")
    gw.now += STATE_TTL
    await refused(alice, "register", auth.create(options), "expired")
    await register(alice, auth)
    client = gw.client()
    options = await begin(client, "login")
    gw.now += STATE_TTL + 1
    await refused(client, "login", auth.get(options), "expired")


async def test_unknown_credential_and_other_key(gw: ClockGateway, alice, auth):
    await register(alice, auth)
    stranger = SoftAuthenticator(ORIGIN, RP_ID)
    stranger.user_handle = str(alice.user_id).encode()
    _, body = await login(gw, stranger)
    assert not body["success"] and "not registered" in body["message"]
    client = gw.client()
    options = await begin(client, "login")
    await refused(client, "login", auth.get(options, signer=stranger.key), "signature")
    client = gw.client()
    options = await begin(client, "login")
    assertion = auth.get(options)
    assertion["response"]["userHandle"] = b64url(b"999")
    await refused(client, "login", assertion, "user handle does not match")
    assert (await repo.get_by_user(gw.app[MAIN_DB], alice.user_id))["last_used_at"] is None


async def test_disabled_and_deleted_user(gw: ClockGateway, root, alice, auth):
    await register(alice, auth)
    manage = {"id": alice.user_id, "action": "disable"}
    assert (await root.json("POST", "/api/user/manage", json=manage))[1]["success"]
    _, body = await login(gw, auth)
    assert body == {"success": False, "message": "this user has been banned"}
    assert (await repo.get_by_user(gw.app[MAIN_DB], alice.user_id))["last_used_at"] is None
    manage["action"] = "enable"
    assert (await root.json("POST", "/api/user/manage", json=manage))[1]["success"]
    assert (await login(gw, auth))[1]["success"]
    manage["action"] = "delete"
    assert (await root.json("POST", "/api/user/manage", json=manage))[1]["success"]
    _, body = await login(gw, auth)
    assert not body["success"] and "no longer exists" in body["message"]


async def test_one_passkey_per_user(gw: ClockGateway, alice, auth):
    second = await gw.login("alice", "userpass123")  # the same user in another browser
    first_options = await begin(alice, "register")
    second_options = await begin(second, "register")
    assert (await finish(alice, "register", auth.create(first_options)))[1]["success"]
    other = SoftAuthenticator(ORIGIN, RP_ID)
    await refused(second, "register", other.create(second_options), "already have a passkey")
    status, body = await alice.json("POST", f"{PASSKEY}/register/begin")
    assert body == {
        "success": False,
        "message": "you already have a passkey: remove it before registering another",
    }
    bob_id = await gw.add_user("bob")
    bob = await gw.login("bob", "userpass123")
    options = await begin(bob, "register")
    await refused(bob, "register", auth.create(options), "already registered to an account")
    assert await repo.get_by_user(gw.app[MAIN_DB], bob_id) is None


async def test_sign_count_going_backwards_is_refused_and_flagged(gw: ClockGateway, alice, auth):
    await register(alice, auth)
    for expected in (1, 2):
        assert (await login(gw, auth))[1]["success"]
        row = await repo.get_by_user(gw.app[MAIN_DB], alice.user_id)
        assert row["sign_count"] == expected and row["clone_warning"] == 0
    auth.sign_count = 1  # a clone that was copied after the first use: its next count is 2
    _, body = await login(gw, auth)
    assert not body["success"] and "cloned" in body["message"]
    row = await repo.get_by_user(gw.app[MAIN_DB], alice.user_id)
    assert row["sign_count"] == 2 and row["clone_warning"] == 1
    options = await begin(alice, "verify")
    auth.sign_count = 0
    await refused(alice, "verify", auth.get(options), "cloned")
    auth.sign_count = 2
    assert (await login(gw, auth))[1]["success"]  # the genuine one moves on


async def test_authenticator_without_counter(gw: ClockGateway, alice):
    auth = SoftAuthenticator(ORIGIN, RP_ID, counter=False)
    await register(alice, auth)
    for _ in range(2):
        assert (await login(gw, auth))[1]["success"]
    assert (await repo.get_by_user(gw.app[MAIN_DB], alice.user_id))["sign_count"] == 0


def _shapes(good: dict) -> list:
    """Bodies a confused or hostile client could send in place of `good`."""
    response = good["response"]
    field = next(k for k in response if k != "clientDataJSON" and k != "transports")
    return [
        [],
        "text",
        7,
        None,
        {},
        {**good, "id": 5},
        {**good, "rawId": None},
        {**good, "type": "password"},
        {**good, "response": "nope"},
        {**good, "response": {**response, "clientDataJSON": 12}},
        {**good, "response": {**response, "clientDataJSON": "%%%not base64%%%"}},
        {**good, "response": {**response, "clientDataJSON": b64url(b"{not json")}},
        {**good, "response": {**response, "clientDataJSON": b64url(b"[1, 2]")}},
        {**good, "response": {**response, field: b64url(b"\xff" * 40)}},
        {**good, "response": {**response, field: b64url(cbor({"fmt": 1, "authData": "x"}))}},
        {**good, "response": {**response, field: ""}},
        {**good, "authenticatorAttachment": "usb"},
        {**good, "id": b64url(b"another id")},
    ]


async def test_malformed_registration_bodies(gw: ClockGateway, alice, auth):
    options = await begin(alice, "register")
    good = auth.create(options)
    for body in _shapes(good):
        await begin(alice, "register")
        status, answer = await finish(alice, "register", body)
        assert status in (200, 400) and answer["success"] is False, (body, answer)
    resp = await alice.request("POST", f"{PASSKEY}/register/finish", data=b"{")
    assert resp.status == 400 and "not valid JSON" in (await resp.json())["message"]
    assert await repo.get_by_user(gw.app[MAIN_DB], alice.user_id) is None


async def test_malformed_assertion_bodies(gw: ClockGateway, alice, auth):
    await register(alice, auth)
    good = auth.get(await begin(alice, "verify"))
    shapes = _shapes(good)
    shapes.append({**good, "response": {**good["response"], "userHandle": 5}})
    shapes.append({**good, "response": {**good["response"], "signature": b64url(b"\x30\x02")}})
    for body in shapes:
        await begin(alice, "verify")
        status, answer = await finish(alice, "verify", body)
        assert status in (200, 400) and answer["success"] is False, (body, answer)
    for body in shapes[:6]:  # the login finish too (fewer: it counts toward the rate limit)
        client = gw.client()
        await begin(client, "login")
        status, answer = await finish(client, "login", body)
        assert status in (200, 400) and answer["success"] is False, (body, answer)


async def test_finish_without_begin(gw: ClockGateway, alice, auth):
    for ceremony in ("register", "verify"):
        await refused(alice, ceremony, {"id": "x"}, "no passkey ceremony is in progress")
    await refused(gw.client(), "login", {"id": "x"}, "no passkey ceremony is in progress")


async def test_damaged_stored_credential(gw: ClockGateway, alice, auth):
    await register(alice, auth)
    db = gw.app[MAIN_DB]
    await db.execute("UPDATE passkey_credentials SET public_key = '%%not base64'")
    _, body = await login(gw, auth)
    assert not body["success"] and "unreadable" in body["message"]
    await db.execute("UPDATE passkey_credentials SET public_key = 'AAAA'")  # base64, not COSE
    _, body = await login(gw, auth)
    assert not body["success"] and "verification failed" in body["message"], body
    await db.execute("UPDATE passkey_credentials SET credential_id = '%%', transports = '{'")
    status, body = await alice.json("POST", f"{PASSKEY}/verify/begin")
    assert status == 200 and not body["success"] and "unreadable" in body["message"]
