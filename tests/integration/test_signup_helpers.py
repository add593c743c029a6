"""auth.signup, the one way a self-registered user is created (password registration and an
OAuth provider's first login): the row, the opening balance, the invite rewards with exact
numbers and their log rows, taken names and provider ids, and free_username's fallback."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from clawrouter.auth import signup
from clawrouter.errors import ApiError
from clawrouter.keys import LOG_DB, MAIN_DB, OPTIONS, RELAY
from tests.support.gateway import Gateway


@pytest.fixture
async def request_(gateway: Gateway) -> web.Request:
    await gateway.setup_root()
    return make_mocked_request("GET", "/api/oauth/github", app=gateway.app)


async def new_user(request: web.Request, username: str, **kw: Any) -> dict[str, Any]:
    return await signup.register_user(request, username=username, password_hash="", **kw)


async def logs_of(gateway: Gateway, user_id: int) -> list[tuple[int, int]]:
    rows = await gateway.app[LOG_DB].fetchall(
        "SELECT type, quota, content FROM logs WHERE user_id = ? ORDER BY id", (user_id,)
    )
    return [(r["type"], r["quota"]) for r in rows]


async def test_new_user_row(gateway: Gateway, request_):
    row = await new_user(request_, "octo", email="o@example.com", extra={"github_id": "42"})
    assert (row["role"], row["status"], row["display_name"], row["quota"]) == (1, 1, "octo", 0)
    assert (row["github_id"], row["email"], row["inviter_id"]) == ("42", "o@example.com", 0)
    assert len(row["aff_code"]) == 4 and row["aff_code"].isalnum()
    assert '"sidebar_modules"' in row["setting"]
    assert row["id"] in gateway.app[RELAY].users  # the relay knows the user at once
    assert await logs_of(gateway, row["id"]) == []  # no welcome quota, no log row
    named = await new_user(request_, "octo2", display_name="Octo Two")
    assert named["display_name"] == "Octo Two"


async def test_invite_rewards_exact(gateway: Gateway, request_):
    opts = gateway.app[OPTIONS]
    for key, value in (
        ("QuotaForNewUser", 1000),
        ("QuotaForInviter", 300),
        ("QuotaForInvitee", 200),
    ):
        await opts.set(key, value)
    inviter = await new_user(request_, "inviter")
    assert inviter["quota"] == 1000
    invitee = await new_user(request_, "invitee", inviter_aff_code=inviter["aff_code"])
    assert (invitee["quota"], invitee["inviter_id"]) == (1200, inviter["id"])
    assert gateway.app[RELAY].users[invitee["id"]].quota == 1200
    await new_user(request_, "invitee2", inviter_aff_code=inviter["aff_code"])
    row = await gateway.app[MAIN_DB].fetchone("SELECT * FROM users WHERE id = ?", (inviter["id"],))
    assert (row["quota"], row["aff_count"], row["aff_quota"], row["aff_history"]) == (
        1000,
        2,
        600,
        600,
    )
    assert gateway.app[RELAY].users[inviter["id"]].quota == 1000  # the reward is not quota
    assert await logs_of(gateway, invitee["id"]) == [(4, 1000), (4, 200)]
    assert await logs_of(gateway, inviter["id"]) == [(4, 1000), (4, 300), (4, 300)]


async def test_unknown_or_deleted_invite_code_is_ignored(gateway: Gateway, request_):
    await gateway.app[OPTIONS].set("QuotaForInvitee", 5)
    await gateway.app[OPTIONS].set("QuotaForInviter", 7)
    kim = await new_user(request_, "kim", inviter_aff_code="zzzz")
    assert (kim["quota"], kim["inviter_id"]) == (0, 0)
    await gateway.app[MAIN_DB].execute("UPDATE users SET deleted_at = 1 WHERE id = ?", (kim["id"],))
    lee = await new_user(request_, "lee", inviter_aff_code=kim["aff_code"])
    assert (lee["quota"], lee["inviter_id"]) == (0, 0)
    row = await gateway.app[MAIN_DB].fetchone("SELECT * FROM users WHERE id = ?", (kim["id"],))
    assert (row["aff_count"], row["aff_quota"]) == (0, 0)


async def test_taken_values_are_clear_errors(gateway: Gateway, request_):
    await new_user(request_, "octo", email="o@example.com", extra={"github_id": "42"})
    gone = await new_user(request_, "gone", email="gone@example.com", extra={"discord_id": "7"})
    await gateway.app[MAIN_DB].execute(
        "UPDATE users SET deleted_at = 1 WHERE id = ?", (gone["id"],)
    )
    cases = [
        ({"username": "octo"}, "the username 'octo' is already taken"),
        ({"username": "gone"}, "the username 'gone' is already taken"),
        ({"username": "x", "extra": {"github_id": "42"}}, "github_id is already bound"),
        ({"username": "x", "extra": {"discord_id": "7"}}, "discord_id is already bound"),
        ({"username": "x", "email": "O@example.com"}, "email O@example.com is already taken"),
        ({"username": "x", "email": "gone@example.com"}, "already taken"),
    ]
    for kw, message in cases:
        with pytest.raises(ApiError, match=message):
            await new_user(request_, **kw)
    assert await gateway.app[MAIN_DB].fetchval("SELECT COUNT(*) FROM users") == 3


async def test_free_username(gateway: Gateway, request_):
    db = gateway.app[MAIN_DB]
    assert await signup.free_username(db, "octocat", "github_") == "octocat"
    assert await signup.free_username(db, "  octocat ", "github_") == "octocat"
    assert await signup.free_username(db, "", "github_") == "github_2"
    assert await signup.free_username(db, "a" * 21, "github_") == "github_2"
    assert await signup.free_username(db, "root", "discord_") == "discord_2"
    await gateway.add_user("github_3")  # id 2, so the next id is 3, whose name is taken
    assert await signup.free_username(db, "root", "github_") == "github_4"
