"""Password reset over real SMTP: GET /api/reset_password answers the same, equally fast, for
known and unknown addresses (no enumeration) and mails the link only to a user; POST
/api/user/reset with the link's token gives a new password once, ends every session of the user
and revokes the access token; expired and reused tokens and bad input are clear refusals."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from clawrouter.keys import MAIN_DB, OUTBOX
from tests.support.gateway import Gateway
from tests.support.smtp import FakeSmtp, closed_port

SITE = "https://gw.example.com"
EMAIL = "owner@example.com"


async def set_options(root, **values: Any) -> None:
    for key, value in values.items():
        status, body = await root.json("PUT", "/api/option/", json={"key": key, "value": value})
        assert status == 200 and body["success"], (key, body)


@pytest.fixture
async def smtp(root) -> AsyncIterator[FakeSmtp]:
    async with FakeSmtp("plain", auth=False) as server:
        await set_options(
            root,
            SMTPServer="127.0.0.1",
            SMTPPort=server.port,
            SMTPFrom="noreply@example.com",
            ServerAddress=SITE + "/",
        )
        yield server


@pytest.fixture
async def owner(gateway: Gateway, root) -> int:
    return await gateway.add_user("owner", email=EMAIL)


async def ask_reset(gateway: Gateway, email: str):
    client = gateway.client()
    started = time.perf_counter()
    resp = await client.request("GET", "/api/reset_password", params={"email": email})
    return resp, await resp.read(), time.perf_counter() - started


def reset_link(smtp: FakeSmtp) -> tuple[str, str, str]:
    """(link, email, token) from the last mail."""
    text = smtp.messages[-1].text()
    match = re.search(r"(https?://\S+/user/reset\?\S+)", text)
    assert match, text
    link = match.group(1)
    query = parse_qs(urlsplit(link).query)
    return link, query["email"][0], query["token"][0]


async def reset(gateway: Gateway, **body: Any) -> dict[str, Any]:
    status, data = await gateway.client().json("POST", "/api/user/reset", json=body)
    assert status == 200, (status, data)
    return data


async def test_reset_flow(gateway: Gateway, smtp: FakeSmtp, owner: int):
    resp, raw, _ = await ask_reset(gateway, "Owner@Example.com")
    assert resp.status == 200 and raw == b'{"success":true,"message":""}'
    (mail,) = await smtp.wait_for(1)
    assert mail.recipients == [EMAIL]
    assert mail.message["Subject"] == "ClawRouter password reset"
    link, email, token = reset_link(smtp)
    assert link.startswith(f"{SITE}/user/reset?email=")  # no doubled slash
    assert email == EMAIL and re.fullmatch(r"[0-9a-f]{32}", token)
    assert link in mail.html().replace("&amp;", "&")
    body = await reset(gateway, email=email, token=token)
    assert body["success"] is True
    new_password = body["data"]
    assert re.fullmatch(r"[A-Za-z0-9]{12}", new_password)
    await gateway.login("owner", new_password)
    status, old = await gateway.client().json(
        "POST", "/api/user/login", json={"username": "owner", "password": "userpass123"}
    )
    assert old["success"] is False
    # the token works once
    again = await reset(gateway, email=email, token=token)
    assert again == {
        "success": False,
        "message": "the reset link is invalid or has expired; ask for a new one",
    }


async def test_reset_ends_sessions_and_revokes_the_access_token(
    gateway: Gateway, smtp: FakeSmtp, owner: int
):
    logged_in = await gateway.login("owner", "userpass123")
    _, tok = await logged_in.json("GET", "/api/user/token")
    access_token = tok["data"]
    by_token = gateway.client(user_id=owner)
    by_token.headers["Authorization"] = f"Bearer {access_token}"
    assert (await by_token.json("GET", "/api/user/self"))[1]["success"]
    await ask_reset(gateway, EMAIL)
    await smtp.wait_for(1)
    _, email, token = reset_link(smtp)
    assert (await reset(gateway, email=email, token=token))["success"]
    status, body = await logged_in.json("GET", "/api/user/self")
    assert status == 401 and body["success"] is False
    status, body = await by_token.json("GET", "/api/user/self")
    assert body["success"] is False
    row = await gateway.app[MAIN_DB].fetchone("SELECT * FROM users WHERE id = ?", (owner,))
    assert row["access_token"] is None


async def test_chosen_password(gateway: Gateway, smtp: FakeSmtp, owner: int):
    await ask_reset(gateway, EMAIL)
    await smtp.wait_for(1)
    _, email, token = reset_link(smtp)
    body = await reset(gateway, email=email, token=token, password="short")
    assert body == {"success": False, "message": "password must be 8 to 20 characters"}
    body = await reset(gateway, email=email, token=token, password="my-new-pass1")
    assert body["success"] and body["data"] == "my-new-pass1"  # the refusal kept the token
    await gateway.login("owner", "my-new-pass1")


async def test_expired_token(gateway: Gateway, smtp: FakeSmtp, owner: int):
    await ask_reset(gateway, EMAIL)
    await smtp.wait_for(1)
    _, email, token = reset_link(smtp)
    await gateway.app[MAIN_DB].execute(
        "UPDATE verification_codes SET created_at = created_at - 600"
    )
    body = await reset(gateway, email=email, token=token)
    assert body["success"] is False and "expired" in body["message"]


async def test_token_is_bound_to_its_address(gateway: Gateway, smtp: FakeSmtp, owner: int):
    await gateway.add_user("other", email="other@example.com")
    await ask_reset(gateway, EMAIL)
    await smtp.wait_for(1)
    _, _, token = reset_link(smtp)
    assert (await reset(gateway, email="other@example.com", token=token))["success"] is False
    assert (await reset(gateway, email=EMAIL, token=token.upper()))["success"]  # hex, any case


async def test_no_enumeration(gateway: Gateway, smtp: FakeSmtp, owner: int):
    """Same status, same body, similar time; the mail goes only to the user's address."""
    known, unknown = [], []
    for _ in range(3):
        resp, raw, took = await ask_reset(gateway, EMAIL)
        known.append((resp.status, raw, took))
        resp, raw, took = await ask_reset(gateway, "nobody@example.com")
        unknown.append((resp.status, raw, took))
    assert {(s, r) for s, r, _ in known} == {(s, r) for s, r, _ in unknown}
    assert {(s, r) for s, r, _ in known} == {(200, b'{"success":true,"message":""}')}
    fastest_known = min(t for _, _, t in known)
    fastest_unknown = min(t for _, _, t in unknown)
    assert abs(fastest_known - fastest_unknown) < 0.05, (known, unknown)
    await gateway.app[OUTBOX].drain()
    assert {m.recipients[0] for m in smtp.messages} == {EMAIL}
    assert len(smtp.messages) == 3


async def test_smtp_down_still_same_answer(root, gateway: Gateway, owner: int, caplog):
    await set_options(
        root,
        SMTPServer="127.0.0.1",
        SMTPPort=closed_port(),
        SMTPFrom="noreply@example.com",
        ServerAddress=SITE,
    )
    caplog.set_level(logging.WARNING)
    resp, raw, took = await ask_reset(gateway, EMAIL)
    assert raw == b'{"success":true,"message":""}' and took < 1.0
    await gateway.app[OUTBOX].drain()
    assert "password reset mail failed: could not connect to the mail server" in caplog.text


async def test_not_configured(root, gateway: Gateway, owner: int):
    _, raw, _ = await ask_reset(gateway, EMAIL)
    assert b"SMTPServer" in raw and b'"success":false' in raw
    await set_options(root, SMTPServer="127.0.0.1", SMTPPort=closed_port(), SMTPFrom="")
    for email in (EMAIL, "nobody@example.com"):  # the same refusal for anyone
        _, raw, _ = await ask_reset(gateway, email)
        assert b"SMTPFrom" in raw and b'"success":false' in raw
    await set_options(root, SMTPFrom="noreply@example.com")
    for email in (EMAIL, "nobody@example.com"):  # the same refusal for anyone
        _, raw, _ = await ask_reset(gateway, email)
        assert b"ServerAddress" in raw and b'"success":false' in raw


@pytest.mark.parametrize("email", ["", "not-an-address", "a@example.com\r\nX: y"])
async def test_bad_address(gateway: Gateway, smtp: FakeSmtp, email: str):
    _, raw, _ = await ask_reset(gateway, email)
    assert b'"success":false' in raw and b"email" in raw
    assert smtp.messages == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": EMAIL},
        {"token": "0" * 32},
        {"email": EMAIL, "token": 5},
        {"email": EMAIL, "token": ""},
        {"email": EMAIL, "token": None},
        {"email": 5, "token": "0" * 32},
        {"email": "bad", "token": "0" * 32},
        {"email": EMAIL, "token": "0" * 32},
        {"email": EMAIL, "token": "x" * 10000},
        {"email": EMAIL, "token": "0" * 32, "password": 12345678},
    ],
)
async def test_bad_reset_input(gateway: Gateway, root, owner: int, body):
    data = await reset(gateway, **body)
    assert data["success"] is False and data["message"]


async def test_reset_body_must_be_json(gateway: Gateway):
    resp = await gateway.client().request(
        "POST", "/api/user/reset", data=b"email=a", headers={"Content-Type": "application/json"}
    )
    assert resp.status == 400
