"""POST /api/user/register over HTTP: the switches, the field rules, taken names (soft-deleted
users included), invite rewards with exact numbers, the welcome log rows, no auto-login; and the
helpers OAuth registration shares (register_user, free_username)."""

from __future__ import annotations

from typing import Any

import pytest

from clawrouter.auth.verification import EMAIL_VERIFY, issue
from clawrouter.keys import CLOCK, LOG_DB, MAIN_DB, RELAY
from tests.support.gateway import Gateway

PASSWORD = "goodpass123"


async def set_options(root, **values: Any) -> None:
    for key, value in values.items():
        status, body = await root.json("PUT", "/api/option/", json={"key": key, "value": value})
        assert status == 200 and body["success"], (key, body)


async def register(gateway: Gateway, **body: Any) -> dict[str, Any]:
    body.setdefault("password", PASSWORD)
    status, data = await gateway.client().json("POST", "/api/user/register", json=body)
    assert status == 200, (status, data)
    return data


async def user_row(gateway: Gateway, username: str) -> dict[str, Any]:
    row = await gateway.app[MAIN_DB].fetchone("SELECT * FROM users WHERE username = ?", (username,))
    assert row is not None
    return row


async def test_register_then_log_in(root, gateway: Gateway):
    body = await register(gateway, username="alice")
    assert body == {"success": True, "message": ""}
    row = await user_row(gateway, "alice")
    assert (row["role"], row["status"], row["display_name"], row["quota"]) == (1, 1, "alice", 0)
    assert len(row["aff_code"]) == 4 and row["aff_code"].isalnum()
    assert row["password"].startswith("$2b$") and PASSWORD not in row["password"]
    assert '"sidebar_modules"' in row["setting"]
    assert row["email"] == ""
    assert gateway.app[RELAY].users[row["id"]].quota == 0  # the relay knows the user at once
    user = await gateway.login("alice", PASSWORD)
    status, me = await user.json("GET", "/api/user/self")
    assert me["data"]["username"] == "alice" and me["data"]["role"] == 1


async def test_register_does_not_log_in(root, gateway: Gateway):
    c = gateway.client()
    resp = await c.request(
        "POST", "/api/user/register", json={"username": "bob", "password": PASSWORD}
    )
    assert "session" not in resp.cookies
    status, _ = await c.json("GET", "/api/user/self", headers={"New-Api-User": "2"})
    assert status == 401


async def test_switches(root, gateway: Gateway):
    await set_options(root, RegisterEnabled=False)
    body = await register(gateway, username="carol")
    assert not body["success"] and "registrations are disabled" in body["message"]
    await set_options(root, RegisterEnabled=True, PasswordRegisterEnabled=False)
    body = await register(gateway, username="carol")
    assert not body["success"] and "password is disabled" in body["message"]
    await set_options(root, PasswordRegisterEnabled=True)
    assert (await register(gateway, username="carol"))["success"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"username": "", "password": PASSWORD}, "username is required"),
        ({"username": "   ", "password": PASSWORD}, "username is required"),
        ({"password": PASSWORD}, "username is required"),
        ({"username": "x" * 21, "password": PASSWORD}, "at most 20"),
        ({"username": 5, "password": PASSWORD}, "username must be a string"),
        ({"username": ["a"], "password": PASSWORD}, "username must be a string"),
        ({"username": "dave"}, "8 to 20"),
        ({"username": "dave", "password": "short"}, "8 to 20"),
        ({"username": "dave", "password": "p" * 21}, "8 to 20"),
        ({"username": "dave", "password": 12345678}, "password must be a string"),
        ({"username": "dave", "password": None}, "8 to 20"),
        ({"username": "dave", "password": "🔑" * 19}, "72 bytes"),
        ({"username": "dave", "password": PASSWORD, "aff_code": 7}, "aff_code must be a string"),
        ({"username": "dave", "password": PASSWORD, "aff_code": "a" * 33}, "aff_code"),
        ({"username": "dave", "password": PASSWORD, "display_name": "d" * 21}, "display_name"),
        ({"username": "dave", "password": PASSWORD, "display_name": {}}, "display_name"),
    ],
)
async def test_bad_fields_are_clear_errors(root, gateway: Gateway, body, fragment):
    status, data = await gateway.client().json("POST", "/api/user/register", json=body)
    assert status == 200 and data["success"] is False
    assert fragment in data["message"]
    assert await gateway.app[MAIN_DB].fetchval("SELECT COUNT(*) FROM users") == 1


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'"text"', b"null"])
async def test_bad_bodies_are_400(root, gateway: Gateway, raw: bytes):
    resp = await gateway.client().request(
        "POST", "/api/user/register", data=raw, headers={"Content-Type": "application/json"}
    )
    assert resp.status == 400
    assert (await resp.json())["success"] is False


async def test_taken_username_including_soft_deleted(root, gateway: Gateway):
    assert (await register(gateway, username="erin"))["success"]
    body = await register(gateway, username="erin")
    assert not body["success"] and "'erin' is already taken" in body["message"]
    uid = await gateway.add_user("frank")
    await gateway.app[MAIN_DB].execute("UPDATE users SET deleted_at = 1 WHERE id = ?", (uid,))
    body = await register(gateway, username="frank")
    assert not body["success"] and "'frank' is already taken" in body["message"]
    body = await register(gateway, username="  erin  ")  # trimmed before the check
    assert not body["success"] and "already taken" in body["message"]


async def test_email_is_ignored_without_verification(root, gateway: Gateway):
    """An address nobody verified is not stored (password reset and login trust it)."""
    assert (await register(gateway, username="gina", email="gina@example.com"))["success"]
    assert (await user_row(gateway, "gina"))["email"] == ""


async def test_email_verification_code(root, gateway: Gateway):
    await set_options(root, EmailVerificationEnabled=True)
    db, now = gateway.app[MAIN_DB], int(gateway.app[CLOCK]())
    body = await register(gateway, username="hank")
    assert not body["success"] and "email and verification_code are required" in body["message"]
    body = await register(gateway, username="hank", email="hank@example.com")
    assert not body["success"] and "verification_code are required" in body["message"]
    await issue(db, EMAIL_VERIFY, "hank@example.com", "abc123", now)
    for bad in ("abc124", "", "x" * 100):
        body = await register(
            gateway, username="hank", email="hank@example.com", verification_code=bad
        )
        assert not body["success"], bad
    body = await register(gateway, username="hank", email="bad address", verification_code="abc123")
    assert not body["success"] and "not a valid email" in body["message"]
    body = await register(
        gateway, username="hank", email=" Hank@Example.com ", verification_code="ABC123"
    )
    assert body["success"], body
    assert (await user_row(gateway, "hank"))["email"] == "hank@example.com"
    # single use: the same code cannot register a second account
    body = await register(
        gateway, username="hank2", email="hank@example.com", verification_code="abc123"
    )
    assert not body["success"] and "email hank@example.com is already taken" in body["message"]


async def test_email_taken_by_soft_deleted_user(root, gateway: Gateway):
    await set_options(root, EmailVerificationEnabled=True)
    uid = await gateway.add_user("ivy", email="ivy@example.com")
    await gateway.app[MAIN_DB].execute("UPDATE users SET deleted_at = 1 WHERE id = ?", (uid,))
    await issue(
        gateway.app[MAIN_DB], EMAIL_VERIFY, "ivy@example.com", "c0ffee", int(gateway.app[CLOCK]())
    )
    body = await register(
        gateway, username="ivy2", email="IVY@example.com", verification_code="c0ffee"
    )
    assert not body["success"] and "already taken" in body["message"]


async def test_expired_code(root, gateway: Gateway):
    await set_options(root, EmailVerificationEnabled=True)
    old = int(gateway.app[CLOCK]()) - 601
    await issue(gateway.app[MAIN_DB], EMAIL_VERIFY, "jo@example.com", "123abc", old)
    body = await register(
        gateway, username="jo", email="jo@example.com", verification_code="123abc"
    )
    assert not body["success"] and "wrong or has expired" in body["message"]


async def logs_of(gateway: Gateway, user_id: int) -> list[dict[str, Any]]:
    return await gateway.app[LOG_DB].fetchall(
        "SELECT type, content, quota FROM logs WHERE user_id = ? ORDER BY id", (user_id,)
    )


async def test_invite_rewards_exact(root, gateway: Gateway):
    await set_options(root, QuotaForNewUser=1000, QuotaForInviter=300, QuotaForInvitee=200)
    assert (await register(gateway, username="inviter"))["success"]
    inviter = await user_row(gateway, "inviter")
    body = await register(gateway, username="invitee", aff_code=inviter["aff_code"])
    assert body["success"]
    invitee = await user_row(gateway, "invitee")
    assert invitee["quota"] == 1200 and invitee["inviter_id"] == inviter["id"]
    assert gateway.app[RELAY].users[invitee["id"]].quota == 1200
    inviter = await user_row(gateway, "inviter")
    assert (
        inviter["quota"],
        inviter["aff_count"],
        inviter["aff_quota"],
        inviter["aff_history"],
    ) == (
        1000,
        1,
        300,
        300,
    )
    assert [(r["type"], r["quota"]) for r in await logs_of(gateway, invitee["id"])] == [
        (4, 1000),
        (4, 200),
    ]
    inviter_logs = await logs_of(gateway, inviter["id"])
    assert [(r["type"], r["quota"]) for r in inviter_logs] == [(4, 1000), (4, 300)]
    assert "invitee" in inviter_logs[-1]["content"]
    # a second invitee adds up; the inviter sees it in /api/user/self
    assert (await register(gateway, username="invitee2", aff_code=inviter["aff_code"]))["success"]
    client = await gateway.login("inviter", PASSWORD)
    _, me = await client.json("GET", "/api/user/self")
    assert (me["data"]["aff_count"], me["data"]["aff_quota"], me["data"]["aff_history_quota"]) == (
        2,
        600,
        600,
    )


async def test_unknown_or_deleted_invite_code_is_ignored(root, gateway: Gateway):
    await set_options(root, QuotaForNewUser=10, QuotaForInvitee=5, QuotaForInviter=7)
    assert (await register(gateway, username="kim", aff_code="zzzz"))["success"]
    kim = await user_row(gateway, "kim")
    assert (kim["quota"], kim["inviter_id"]) == (10, 0)
    await gateway.app[MAIN_DB].execute("UPDATE users SET deleted_at = 1 WHERE id = ?", (kim["id"],))
    assert (await register(gateway, username="lee", aff_code=kim["aff_code"]))["success"]
    assert (await user_row(gateway, "lee"))["inviter_id"] == 0
    assert (await user_row(gateway, "kim"))["aff_count"] == 0


async def test_no_welcome_log_without_quota(root, gateway: Gateway):
    assert (await register(gateway, username="max"))["success"]
    assert await logs_of(gateway, (await user_row(gateway, "max"))["id"]) == []
