"""What one provider does that the others do not: GitHub's verified primary email from
/user/emails, OIDC's discovery (or its explicit endpoints), LinuxDO's minimum trust level; and
an email the provider reports that another account already uses."""

from __future__ import annotations

import dataclasses

import pytest

from tests.support.fake_oauth import FakeProvider
from tests.support.gateway import Gateway
from tests.support.oauth_cases import (  # noqa: F401 (fixtures)
    CASES,
    Case,
    enable,
    oauth_config,
    oauth_fakes,
    round_trip,
    set_options,
    user_count,
    user_row,
)


def case_for(slug: str, fakes: dict[str, FakeProvider]) -> Case:
    base = next(c for c in CASES if c.slug == slug)
    return dataclasses.replace(base, fake=fakes[slug])


@pytest.fixture
async def github(root, fakes) -> Case:
    case = case_for("github", fakes)
    await enable(root, case)
    return case


@pytest.fixture
async def oidc(fakes) -> Case:
    return case_for("oidc", fakes)


# ---- GitHub ------------------------------------------------------------------------------


async def test_github_takes_the_verified_primary_email(github: Case, gateway: Gateway):
    profile = github.profile(501, "mona")
    profile["emails"] = [
        {"email": "old@mail.example", "primary": False, "verified": True},
        {"email": "mona@mail.example", "primary": True, "verified": True},
    ]
    _, body = await round_trip(gateway.client(), github, profile)
    assert body["success"], body
    assert (await user_row(gateway, github_id="501"))["email"] == "mona@mail.example"
    assert github.fake is not None and github.fake.calls("/user/emails")


async def test_github_skips_an_unverified_primary_email(github: Case, gateway: Gateway):
    profile = github.profile(502, "unverified")
    profile["emails"] = [{"email": "u@mail.example", "primary": True, "verified": False}]
    _, body = await round_trip(gateway.client(), github, profile)
    assert body["success"] and (await user_row(gateway, github_id="502"))["email"] == ""


async def test_github_signs_in_without_email_when_the_emails_call_fails(
    github: Case, gateway: Gateway
):
    assert github.fake is not None
    github.fake.misbehave("emails", "http_500")
    _, body = await round_trip(gateway.client(), github, github.profile(503, "noemail"))
    assert body["success"], body
    assert (await user_row(gateway, github_id="503"))["email"] == ""


async def test_github_does_not_ask_for_emails_when_the_profile_has_one(
    github: Case, gateway: Gateway
):
    _, body = await round_trip(
        gateway.client(), github, github.profile(504, "public", "", "pub@mail.example")
    )
    assert body["success"] and github.fake is not None
    assert not github.fake.calls("/user/emails")


async def test_an_email_another_account_uses_is_refused(github: Case, gateway: Gateway):
    await gateway.add_user("first", email="Same@mail.example")
    before = await user_count(gateway)
    profile = github.profile(505, "second", "", "same@mail.example")
    _, body = await round_trip(gateway.client(), github, profile)
    assert body["success"] is False and "already used by another account" in body["message"]
    assert await user_count(gateway) == before


# ---- OIDC --------------------------------------------------------------------------------


async def test_oidc_by_discovery(root, oidc: Case, gateway: Gateway):
    await enable(root, oidc)
    _, body = await round_trip(gateway.client(), oidc, oidc.profile(1, "disco"))
    assert body["success"], body
    assert oidc.fake is not None and oidc.fake.calls("/.well-known/openid-configuration")


async def test_oidc_explicit_endpoints_need_no_discovery(root, oidc: Case, gateway: Gateway):
    fake = oidc.fake
    assert fake is not None
    await set_options(
        root,
        {
            "oidc.token_endpoint": fake.base_url + "/token",
            "oidc.user_info_endpoint": fake.base_url + "/userinfo",
            **oidc.options,
        },
    )
    _, body = await round_trip(gateway.client(), oidc, oidc.profile(2, "explicit"))
    assert body["success"], body
    assert not fake.calls("/.well-known/openid-configuration")
    assert (await user_row(gateway, oidc_id="sub-2"))["username"] == "explicit"


async def test_oidc_without_endpoints_says_what_to_set(root, oidc: Case, gateway: Gateway):
    await set_options(root, oidc.options)
    _, body = await round_trip(gateway.client(), oidc, oidc.profile(3, "x"))
    assert body["success"] is False and "set oidc.well_known" in body["message"]


async def test_oidc_discovery_failures_are_clear(root, oidc: Case, gateway: Gateway):
    await enable(root, oidc)
    assert oidc.fake is not None
    oidc.fake.misbehave("discovery", "http_500")
    _, body = await round_trip(gateway.client(), oidc, oidc.profile(4, "x"))
    assert body["success"] is False and "OIDC refused the request (HTTP 500" in body["message"]
    oidc.fake.misbehave("discovery", "slow")
    _, body = await round_trip(gateway.client(), oidc, oidc.profile(4, "x"))
    assert body["success"] is False and body["message"] == "OIDC did not answer within 0.5 seconds"


async def test_oidc_needs_an_email(root, oidc: Case, gateway: Gateway):
    await enable(root, oidc)
    profile = oidc.profile(5, "x")
    profile.pop("email")
    _, body = await round_trip(gateway.client(), oidc, profile)
    assert body["success"] is False and "no sub or no email" in body["message"]


# ---- LinuxDO -----------------------------------------------------------------------------


async def test_linuxdo_minimum_trust_level(root, fakes, gateway: Gateway):
    case = case_for("linuxdo", fakes)
    await enable(root, case)
    await set_options(root, {"LinuxDOMinimumTrustLevel": 3})
    before = await user_count(gateway)
    _, body = await round_trip(gateway.client(), case, case.profile(61, "tl2"))  # level 2
    assert body["success"] is False and "trust level too low" in body["message"]
    assert "requires LinuxDO trust level 3, yours is 2" in body["message"]
    assert await user_count(gateway) == before
    profile = {**case.profile(62, "tl3"), "trust_level": 3}
    _, body = await round_trip(gateway.client(), case, profile)
    assert body["success"], body
