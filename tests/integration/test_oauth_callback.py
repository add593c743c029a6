"""GET /api/oauth/state and the generic callback GET /api/oauth/{provider} for GitHub, Discord,
OIDC and LinuxDO, each against its fake provider on 127.0.0.1: first sign-in registers, the next
logs in, a logged-in user binds, and every refusal is a clear success:false (or the reference's
400/403), never a 5xx or a hang."""

from __future__ import annotations

import logging
import re
import time

import pytest

from clawrouter.db.repo import users as users_repo
from clawrouter.keys import MAIN_DB
from tests.support.gateway import Gateway
from tests.support.oauth_cases import (  # noqa: F401 (fixtures)
    SERVER_ADDRESS,
    Case,
    callback,
    enable,
    get_state,
    oauth_case,
    oauth_config,
    oauth_fakes,
    round_trip,
    set_options,
    user_count,
    user_row,
)

# ---- state -------------------------------------------------------------------------------


async def test_state_is_12_random_characters_kept_in_the_session(gateway: Gateway):
    c = gateway.client()
    first, second = await get_state(c), await get_state(c)
    assert re.fullmatch(r"[A-Za-z0-9]{12}", first) and first != second


# ---- first sign-in, next sign-in -------------------------------------------------------


async def test_first_sign_in_registers_then_the_next_logs_in(root, gateway: Gateway, case: Case):
    await enable(root, case)
    profile = case.profile(4242, "octo", "Octo Cat", "octo@mail.example")
    c = gateway.client()
    status, body = await round_trip(c, case, profile)
    assert status == 200 and body["success"], body
    data = body["data"]
    assert data["username"] == "octo" and data["role"] == 1 and data["status"] == 1
    assert data["display_name"] == "Octo Cat"
    row = await user_row(gateway, **{case.column: case.stored_id(4242)})
    assert row["id"] == data["id"] and row["password"] == ""
    assert row["email"] == ("octo@mail.example" if case.slug in ("github", "oidc") else "")
    status, me = await c.json("GET", "/api/user/self")  # the session is a real login
    assert me["success"] and me["data"][case.column] == case.stored_id(4242)
    before = await user_count(gateway)
    again = gateway.client()
    status, body = await round_trip(again, case, profile)
    assert body["success"] and body["data"]["id"] == data["id"]
    assert await user_count(gateway) == before


async def test_username_rules_and_the_fallback(root, gateway: Gateway, case: Case):
    await enable(root, case)
    await gateway.add_user("taken")
    max_id = await gateway.app[MAIN_DB].fetchval("SELECT MAX(id) FROM users")
    _, body = await round_trip(gateway.client(), case, case.profile(1, "taken"))
    assert body["success"] and body["data"]["username"] == f"{case.prefix}{max_id + 1}", body
    assert body["data"]["display_name"] == "taken"  # no name: the login stands in
    long_login = "a" * 21
    _, body = await round_trip(gateway.client(), case, case.profile(2, long_login, "N"))
    assert body["data"]["username"] == f"{case.prefix}{max_id + 2}", body
    twenty = "b" * 20
    _, body = await round_trip(gateway.client(), case, case.profile(3, twenty))
    assert body["data"]["username"] == twenty, body


async def test_the_fallback_skips_a_taken_prefix_name(root, gateway: Gateway, case: Case):
    await enable(root, case)
    await gateway.add_user("taken")
    max_id = await gateway.app[MAIN_DB].fetchval("SELECT MAX(id) FROM users")
    await gateway.add_user(f"{case.prefix}{max_id + 2}")  # what the rule would pick next
    _, body = await round_trip(gateway.client(), case, case.profile(7, "taken"))
    assert body["data"]["username"] == f"{case.prefix}{max_id + 3}", body


async def test_invite_code_from_the_state_rewards_both(root, gateway: Gateway, case: Case):
    await enable(root, case)
    await set_options(root, {"QuotaForNewUser": 100, "QuotaForInviter": 30, "QuotaForInvitee": 7})
    inviter = await gateway.add_user("inviter", aff_code="Ab12")
    c = gateway.client()
    _, body = await round_trip(c, case, case.profile(9, "invited"), aff="Ab12")
    assert body["success"], body
    row = await user_row(gateway, username="invited")
    assert row["inviter_id"] == inviter and row["quota"] == 107
    host = await users_repo.get_user(gateway.app[MAIN_DB], inviter)
    assert host["aff_count"] == 1 and host["aff_quota"] == 30 and host["aff_history"] == 30


async def test_registration_switched_off(root, gateway: Gateway, case: Case):
    await enable(root, case)
    await set_options(root, {"RegisterEnabled": False})
    before = await user_count(gateway)
    status, body = await round_trip(gateway.client(), case, case.profile(5, "newbie"))
    assert status == 200 and body["success"] is False
    assert "registration is turned off" in body["message"]
    assert await user_count(gateway) == before
    uid = await gateway.add_user("known", **{case.column: case.stored_id(6)})
    _, body = await round_trip(gateway.client(), case, case.profile(6, "known"))
    assert body["success"] and body["data"]["id"] == uid  # a bound user still logs in


# ---- bind ------------------------------------------------------------------------------


async def test_a_logged_in_user_binds_then_signs_in_with_it(root, gateway: Gateway, case: Case):
    await enable(root, case)
    uid = await gateway.add_user("alice")
    alice = await gateway.login("alice", "userpass123")
    profile = case.profile(77, "alice-elsewhere")
    status, body = await round_trip(alice, case, profile)
    assert status == 200 and body["success"] and body["data"] == {"action": "bind"}, body
    row = await users_repo.get_user(gateway.app[MAIN_DB], uid)
    assert row[case.column] == case.stored_id(77)
    fresh = gateway.client()
    _, body = await round_trip(fresh, case, profile)
    assert body["success"] and body["data"]["id"] == uid and body["data"]["username"] == "alice"


async def test_an_id_bound_to_another_user_is_not_bound_again(root, gateway: Gateway, case: Case):
    await enable(root, case)
    await gateway.add_user("owner", **{case.column: case.stored_id(88)})
    bob_id = await gateway.add_user("bob")
    bob = await gateway.login("bob", "userpass123")
    status, body = await round_trip(bob, case, case.profile(88, "whoever"))
    assert status == 200 and body["success"] is False
    assert "already bound to another user" in body["message"] and case.name in body["message"]
    assert (await users_repo.get_user(gateway.app[MAIN_DB], bob_id))[case.column] == ""


# ---- refusals before the provider is asked ------------------------------------------


async def test_state_missing_or_wrong_is_403(root, gateway: Gateway, case: Case):
    await enable(root, case)
    assert case.fake is not None
    c = gateway.client()
    code = case.fake.authorize(case.profile(1, "x"))
    status, body = await callback(c, case, code, "whatever1234")  # no state in the session
    assert status == 403 and body["success"] is False
    state = await get_state(c)
    status, body = await callback(c, case, code, "")
    assert status == 403 and body["success"] is False
    status, body = await callback(c, case, code, state[:-1] + ("x" if state[-1] != "x" else "y"))
    assert status == 403 and "state" in body["message"]
    status, body = await c.json("GET", f"/api/oauth/{case.slug}", params={"code": code})
    assert status == 403
    assert not case.fake.requests  # the provider was never asked


async def test_a_disabled_provider_is_refused(gateway: Gateway, case: Case):
    c = gateway.client()
    state = await get_state(c)
    assert case.fake is not None
    status, body = await callback(c, case, case.fake.authorize(case.profile(1, "x")), state)
    assert status == 200 and body["success"] is False
    assert f"{case.name} is not enabled" in body["message"]


async def test_the_providers_error_is_passed_on(root, gateway: Gateway, case: Case):
    await enable(root, case)
    c = gateway.client()
    state = await get_state(c)
    q = {"state": state, "error": "access_denied", "error_description": "The user said no."}
    status, body = await c.json("GET", f"/api/oauth/{case.slug}", params=q)
    assert status == 200 and body == {"success": False, "message": "The user said no."}
    q = {"state": state, "error": "access_denied"}
    status, body = await c.json("GET", f"/api/oauth/{case.slug}", params=q)
    assert body["success"] is False and case.name in body["message"]
    assert "access_denied" in body["message"]


async def test_an_unknown_provider_is_400(gateway: Gateway):
    status, body = await gateway.client().json("GET", "/api/oauth/myspace?code=1&state=2")
    assert (
        status == 400 and body["success"] is False and "unknown OAuth provider" in body["message"]
    )


# ---- the provider misbehaves ----------------------------------------------------------


async def test_provider_down_is_a_clear_error(root, gateway: Gateway, case: Case):
    await enable(root, case)
    assert case.fake is not None
    c = gateway.client()
    state = await get_state(c)
    code = case.fake.authorize(case.profile(1, "x"))
    await case.fake.stop()
    status, body = await callback(c, case, code, state)
    assert status == 200 and body["success"] is False
    assert body["message"].startswith(f"could not connect to {case.name}"), body


async def test_a_slow_provider_times_out_quickly(root, gateway: Gateway, case: Case):
    await enable(root, case)
    assert case.fake is not None
    case.fake.misbehave("token", "slow")
    c = gateway.client()
    state = await get_state(c)
    started = time.monotonic()
    status, body = await callback(c, case, case.fake.authorize(case.profile(1, "x")), state)
    assert time.monotonic() - started < 3
    assert status == 200 and body["success"] is False
    assert body["message"] == f"{case.name} did not answer within 0.5 seconds"


@pytest.mark.parametrize(
    ("step", "how", "says"),
    [
        ("token", "not_json", "not JSON"),
        ("token", "http_500", "HTTP 500"),
        ("token", "empty", "empty body"),
        ("token", "no_token", "without an access token"),
        ("user", "not_json", "not JSON"),
        ("user", "http_500", "HTTP 500"),
        ("user", "empty", "empty body"),
    ],
)
async def test_malformed_answers_are_clear_errors(
    root, gateway: Gateway, case: Case, step: str, how: str, says: str
):
    await enable(root, case)
    assert case.fake is not None
    case.fake.misbehave(step, how)
    status, body = await round_trip(gateway.client(), case, case.profile(1, "x"))
    assert status == 200 and body["success"] is False
    assert case.name in body["message"] and says in body["message"], body


async def test_a_profile_without_an_id_is_refused(root, gateway: Gateway, case: Case):
    await enable(root, case)
    profile = case.profile(1, "x")
    profile.pop("sub" if case.slug == "oidc" else "id")
    before = await user_count(gateway)
    status, body = await round_trip(gateway.client(), case, profile)
    assert status == 200 and body["success"] is False and case.name in body["message"]
    assert "id" in body["message"] or "sub" in body["message"]
    assert await user_count(gateway) == before


async def test_a_code_the_provider_does_not_know(root, gateway: Gateway, case: Case):
    await enable(root, case)
    c = gateway.client()
    state = await get_state(c)
    status, body = await callback(c, case, "not-a-code", state)
    assert status == 200 and body["success"] is False
    assert case.name in body["message"] and "code" in body["message"], body


# ---- the user behind the id ------------------------------------------------------------


async def test_a_banned_or_deleted_user_is_refused(root, gateway: Gateway, case: Case):
    await enable(root, case)
    await gateway.add_user("banned", status=2, **{case.column: case.stored_id(31)})
    _, body = await round_trip(gateway.client(), case, case.profile(31, "banned"))
    assert body["success"] is False and "banned" in body["message"]
    await gateway.add_user("gone", deleted_at=1, **{case.column: case.stored_id(32)})
    _, body = await round_trip(gateway.client(), case, case.profile(32, "gone"))
    assert body["success"] is False and "deleted" in body["message"]


# ---- what goes over the wire ---------------------------------------------------------


async def test_no_secret_reaches_the_client_or_the_log(
    root, gateway: Gateway, case: Case, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO)  # the level a deployment logs at, access log included
    caplog.set_level(logging.DEBUG, logger="clawrouter")
    await enable(root, case)
    assert case.fake is not None
    case.fake.misbehave("user", "http_500")
    c = gateway.client()
    state = await get_state(c)
    code = case.fake.authorize(case.profile(1, "x"))
    _, body = await callback(c, case, code, state)
    tokens = list(case.fake.tokens)
    assert body["success"] is False and tokens
    assert f"{case.name} sign-in failed" in caplog.text  # the log was captured,
    assert f"GET /api/oauth/{case.slug}?" in caplog.text  # the access log too
    for secret in (code, *tokens, "fake-client-secret-0123456789"):
        assert secret not in str(body) and secret not in caplog.text


async def test_the_token_request_is_the_providers_own(root, gateway: Gateway, case: Case):
    await enable(root, case)
    fake = case.fake
    assert fake is not None
    _, body = await round_trip(gateway.client(), case, case.profile(1, "wire"))
    assert body["success"], body
    token_call = next(r for r in fake.requests if r.method == "POST")
    assert "application/json" in token_call.headers.get("Accept", "")
    if case.slug == "github":
        assert token_call.headers["Content-Type"].startswith("application/json")
    else:
        assert token_call.form["grant_type"] == "authorization_code"
        assert token_call.form["redirect_uri"] == f"{SERVER_ADDRESS}/oauth/{case.slug}"
    if case.slug == "linuxdo":
        assert token_call.headers["Authorization"].startswith("Basic ")
        assert "client_secret" not in token_call.form
    user_call = next(r for r in fake.requests if r.method == "GET" and "well-known" not in r.path)
    assert user_call.headers["Authorization"].startswith("Bearer tok_")
