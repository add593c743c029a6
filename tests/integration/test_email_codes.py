"""Verification codes over real SMTP: GET /api/verification (address rules, taken addresses,
the mail, its own rate limit), registering with the mailed code (wrong, expired, reused), and
binding a verified address to the logged-in user (POST and the legacy GET)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from clawrouter.auth import verification
from clawrouter.keys import CLOCK, MAIN_DB
from tests.support.gateway import Gateway
from tests.support.smtp import FakeSmtp

PASSWORD = "goodpass123"


@pytest.fixture
async def smtp(root) -> AsyncIterator[FakeSmtp]:
    async with FakeSmtp("plain", auth=False) as server:
        await set_options(
            root,
            SMTPServer="127.0.0.1",
            SMTPPort=server.port,
            SMTPFrom="noreply@example.com",
            SystemName="Claw Test",
        )
        yield server


async def set_options(root, **values: Any) -> None:
    for key, value in values.items():
        status, body = await root.json("PUT", "/api/option/", json={"key": key, "value": value})
        assert status == 200 and body["success"], (key, body)


async def ask_code(client, email: str) -> dict[str, Any]:
    status, body = await client.json("GET", "/api/verification", params={"email": email})
    assert status == 200, (status, body)
    return body


def code_in(smtp: FakeSmtp, index: int = -1) -> str:
    text = smtp.messages[index].text()
    match = re.search(r"verification code is: ([0-9a-f]{6})\b", text)
    assert match, text
    return match.group(1)


async def test_code_mail_then_register(root, gateway: Gateway, smtp: FakeSmtp):
    await set_options(root, EmailVerificationEnabled=True)
    assert (await ask_code(gateway.client(), "New.User@Example.com"))["success"]
    (mail,) = smtp.messages
    assert mail.recipients == ["new.user@example.com"]
    assert mail.message["Subject"] == "Claw Test email verification"
    assert "Claw Test" in mail.text() and "10 minutes" in mail.text()
    code = code_in(smtp)
    assert f"<strong>{code}</strong>" in mail.html()
    stored = await gateway.app[MAIN_DB].fetchall("SELECT * FROM verification_codes")
    assert len(stored) == 1 and code not in stored[0]["code"]  # a digest, not the code
    status, body = await gateway.client().json(
        "POST",
        "/api/user/register",
        json={
            "username": "newbie",
            "password": PASSWORD,
            "email": "new.user@example.com",
            "verification_code": code,
        },
    )
    assert body == {"success": True, "message": ""}
    user = await gateway.login("new.user@example.com", PASSWORD)  # login by email works
    _, me = await user.json("GET", "/api/user/self")
    assert me["data"]["email"] == "new.user@example.com"
    assert await gateway.app[MAIN_DB].fetchall("SELECT * FROM verification_codes") == []


@pytest.mark.parametrize(
    "email",
    [
        "",
        "plain",
        "a@",
        "@example.com",
        "a b@example.com",
        "a@example",
        "a@@example.com",
        "a@example.com\r\nBcc: x@example.com",
        "a..b@example.com",
        "<a@example.com>",
        "Name <a@example.com>",
        "x" * 40 + "@example.com",
        "a@exa_mple.com",
    ],
)
async def test_bad_addresses(gateway: Gateway, smtp: FakeSmtp, email: str):
    body = await ask_code(gateway.client(), email)
    assert body["success"] is False and "email" in body["message"]
    assert smtp.messages == []


async def test_missing_parameter(gateway: Gateway, smtp: FakeSmtp):
    status, body = await gateway.client().json("GET", "/api/verification")
    assert status == 200 and body == {"success": False, "message": "email is required"}


async def test_domain_allow_list(root, gateway: Gateway, smtp: FakeSmtp):
    await set_options(
        root, EmailDomainRestrictionEnabled=True, EmailDomainWhitelist="example.com, corp.test"
    )
    body = await ask_code(gateway.client(), "a@other.com")
    assert body["success"] is False and "other.com is not one of them" in body["message"]
    assert (await ask_code(gateway.client(), "a@Corp.Test"))["success"]
    assert smtp.messages[0].recipients == ["a@corp.test"]


@pytest.mark.parametrize(
    ("email", "allowed"),
    [("first+tag@example.com", False), ("first.last@example.com", False), ("ab@example.com", True)],
)
async def test_alias_restriction(root, gateway: Gateway, smtp: FakeSmtp, email, allowed):
    await set_options(root, EmailAliasRestrictionEnabled=True)
    body = await ask_code(gateway.client(), email)
    assert body["success"] is allowed, body
    if not allowed:
        assert "'+' or '.'" in body["message"]


async def test_aliases_allowed_by_default(gateway: Gateway, smtp: FakeSmtp):
    assert (await ask_code(gateway.client(), "first.last+tag@example.com"))["success"]


async def test_taken_address_including_soft_deleted(root, gateway: Gateway, smtp: FakeSmtp):
    await gateway.add_user("live", email="live@example.com")
    gone = await gateway.add_user("gone", email="gone@example.com")
    await gateway.app[MAIN_DB].execute("UPDATE users SET deleted_at = 1 WHERE id = ?", (gone,))
    for email in ("LIVE@example.com", "gone@example.com"):
        body = await ask_code(gateway.client(), email)
        assert body == {"success": False, "message": "this email address is already taken"}
    assert smtp.messages == []


async def test_rate_limit_two_per_30_seconds(gateway: Gateway, smtp: FakeSmtp):
    client = gateway.client()
    assert (await ask_code(client, "a1@example.com"))["success"]
    assert (await ask_code(client, "a2@example.com"))["success"]
    resp = await client.request("GET", "/api/verification", params={"email": "a3@example.com"})
    assert resp.status == 429
    assert 1 <= int(resp.headers["Retry-After"]) <= 30
    body = await resp.json()
    assert body["success"] is False and body["message"]
    assert len(smtp.messages) == 2


async def register(gateway: Gateway, email: str, code: str, username: str = "newbie"):
    _, body = await gateway.client().json(
        "POST",
        "/api/user/register",
        json={
            "username": username,
            "password": PASSWORD,
            "email": email,
            "verification_code": code,
        },
    )
    return body


async def test_wrong_expired_and_replaced_codes(root, gateway: Gateway, smtp: FakeSmtp):
    await set_options(root, EmailVerificationEnabled=True)
    assert (await ask_code(gateway.client(), "x@example.com"))["success"]
    first = code_in(smtp)
    wrong = "000000" if first != "000000" else "111111"
    body = await register(gateway, "x@example.com", wrong)
    assert body["message"] == "the verification code is wrong or has expired"
    body = await register(gateway, "y@example.com", first)  # a code is for its own address
    assert body["success"] is False
    assert (await ask_code(gateway.client(), "x@example.com"))["success"]
    second = code_in(smtp)
    if second != first:  # a new code replaces the old one
        assert (await register(gateway, "x@example.com", first))["success"] is False
    await gateway.app[MAIN_DB].execute(
        "UPDATE verification_codes SET created_at = created_at - 600"
    )
    body = await register(gateway, "x@example.com", second)
    assert body["message"] == "the verification code is wrong or has expired"


async def test_code_is_single_use(gateway: Gateway):
    db, now = gateway.app[MAIN_DB], int(gateway.app[CLOCK]())
    await verification.issue(db, verification.EMAIL_VERIFY, "z@example.com", "abc123", now)
    assert not await verification.take(
        db, verification.EMAIL_VERIFY, "z@example.com", "abc124", now
    )
    assert await verification.take(db, verification.EMAIL_VERIFY, "z@example.com", "abc123", now)
    assert not await verification.take(
        db, verification.EMAIL_VERIFY, "z@example.com", "abc123", now
    )
    assert not await verification.take(db, verification.PASSWORD_RESET, "z@example.com", 5, now)


async def test_bind_email(root, gateway: Gateway, smtp: FakeSmtp):
    uid = await gateway.add_user("binder")
    user = await gateway.login("binder", "userpass123")
    assert (await ask_code(user, "bound@example.com"))["success"]
    code = code_in(smtp)
    status, body = await user.json(
        "POST", "/api/oauth/email/bind", json={"email": "bound@example.com", "code": "nope00"}
    )
    assert body == {"success": False, "message": "the verification code is wrong or has expired"}
    status, body = await user.json(
        "POST", "/api/oauth/email/bind", json={"email": "Bound@example.com", "code": code}
    )
    assert status == 200 and body == {"success": True, "message": ""}
    _, me = await user.json("GET", "/api/user/self")
    assert me["data"]["email"] == "bound@example.com"
    # the code is used up
    status, body = await user.json(
        "POST", "/api/oauth/email/bind", json={"email": "bound@example.com", "code": code}
    )
    assert body["success"] is False
    row = await gateway.app[MAIN_DB].fetchone("SELECT email FROM users WHERE id = ?", (uid,))
    assert row["email"] == "bound@example.com"


async def test_bind_email_legacy_get_and_taken(root, gateway: Gateway, smtp: FakeSmtp):
    await gateway.add_user("binder")
    user = await gateway.login("binder", "userpass123")
    assert (await ask_code(user, "legacy@example.com"))["success"]
    code = code_in(smtp)
    await gateway.add_user("squatter", email="legacy@example.com")  # takes it meanwhile
    _, body = await user.json(
        "GET", "/api/oauth/email/bind", params={"email": "legacy@example.com", "code": code}
    )
    assert body == {"success": False, "message": "this email address is already taken"}
    await gateway.app[MAIN_DB].execute("UPDATE users SET email = '' WHERE username = 'squatter'")
    _, body = await user.json(
        "GET", "/api/oauth/email/bind", params={"email": "legacy@example.com", "code": code}
    )
    assert body == {"success": True, "message": ""}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "a@example.com"},
        {"email": "a@example.com", "code": 123456},
        {"email": 5, "code": "abc123"},
        {"email": ["a@example.com"], "code": "abc123"},
        {"email": "a@example.com", "code": ""},
        {"email": "a@example.com", "code": None},
    ],
)
async def test_bind_bad_input(root, gateway: Gateway, body):
    await gateway.add_user("binder")
    user = await gateway.login("binder", "userpass123")
    status, data = await user.json("POST", "/api/oauth/email/bind", json=body)
    assert status == 200 and data["success"] is False and data["message"]


async def test_bind_needs_login(gateway: Gateway):
    status, body = await gateway.client().json(
        "POST", "/api/oauth/email/bind", json={"email": "a@example.com", "code": "abc123"}
    )
    assert status == 401 and body["success"] is False
