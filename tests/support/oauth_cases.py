"""The four providers of the generic OAuth callback as test cases: their fake, the options that
turn them on, a profile in the provider's own shape, and the browser's round trip
(/api/oauth/state, the provider, /api/oauth/<slug>?code&state)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from clawrouter.config import Config, replace
from clawrouter.keys import MAIN_DB
from tests.support.fake_oauth import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeDiscord,
    FakeGitHub,
    FakeLinuxDO,
    FakeOIDC,
    FakeProvider,
)
from tests.support.gateway import Client, Gateway

SERVER_ADDRESS = "https://console.example"
TIMEOUT_S = 0.5


def _github(uid: int, login: str, name: str = "", email: str = "") -> dict[str, Any]:
    return {"id": uid, "login": login, "name": name or None, "email": email or None}


def _discord(uid: int, login: str, name: str = "", email: str = "") -> dict[str, Any]:
    return {"id": str(80351110224678912 + uid), "username": login, "global_name": name or None}


def _oidc(uid: int, login: str, name: str = "", email: str = "") -> dict[str, Any]:
    email = email or f"{login}@idp.example"
    return {"sub": f"sub-{uid}", "preferred_username": login, "name": name, "email": email}


def _linuxdo(uid: int, login: str, name: str = "", email: str = "") -> dict[str, Any]:
    return {
        "id": uid,
        "username": login,
        "name": name,
        "active": True,
        "trust_level": 2,
        "silenced": False,
    }


@dataclass
class Case:
    slug: str
    name: str  # as messages say it
    column: str
    prefix: str
    options: dict[str, Any]
    profile: Callable[..., dict[str, Any]]
    stored_id: Callable[[int], str]  # the users column value for uid
    fake: FakeProvider | None = None


CASES = (
    Case(
        "github", "GitHub", "github_id", "github_",
        {"GitHubClientId": CLIENT_ID, "GitHubClientSecret": CLIENT_SECRET,
         "GitHubOAuthEnabled": True},
        _github, str,
    ),
    Case(
        "discord", "Discord", "discord_id", "discord_",
        {"discord.client_id": CLIENT_ID, "discord.client_secret": CLIENT_SECRET,
         "discord.enabled": True},
        _discord, lambda uid: str(80351110224678912 + uid),
    ),
    Case(
        "oidc", "OIDC", "oidc_id", "oidc_",
        {"oidc.client_id": CLIENT_ID, "oidc.client_secret": CLIENT_SECRET,
         "oidc.enabled": True},
        _oidc, lambda uid: f"sub-{uid}",
    ),
    Case(
        "linuxdo", "LinuxDO", "linux_do_id", "linuxdo_",
        {"LinuxDOClientId": CLIENT_ID, "LinuxDOClientSecret": CLIENT_SECRET,
         "LinuxDOOAuthEnabled": True},
        _linuxdo, str,
    ),
)  # fmt: skip
FAKES = {"github": FakeGitHub, "discord": FakeDiscord, "oidc": FakeOIDC, "linuxdo": FakeLinuxDO}
SLUGS = [c.slug for c in CASES]


def provider_config(base: Config, fakes: dict[str, FakeProvider]) -> Config:
    """`base` with [providers] pointing at the fakes and a short timeout."""
    return replace(
        base,
        providers={
            "github_oauth_url": fakes["github"].base_url,
            "github_api_url": fakes["github"].base_url,
            "discord_api_url": fakes["discord"].base_url,
            "linuxdo_url": fakes["linuxdo"].base_url,
            "timeout_seconds": TIMEOUT_S,
        },
    )


async def set_options(root: Client, options: dict[str, Any]) -> None:
    for key, value in options.items():
        status, body = await root.json("PUT", "/api/option/", json={"key": key, "value": value})
        assert status == 200 and body["success"], (key, body)


async def enable(root: Client, case: Case) -> None:
    """Turn the provider on (OIDC by discovery from the fake's well-known document)."""
    options = dict(case.options)
    if case.slug == "oidc":
        assert case.fake is not None
        options = {"oidc.well_known": case.fake.well_known, **options}  # type: ignore[attr-defined]
    await set_options(root, {"ServerAddress": SERVER_ADDRESS, **options})


async def get_state(client: Client, aff: str = "") -> str:
    status, body = await client.json("GET", "/api/oauth/state" + (f"?aff={aff}" if aff else ""))
    assert status == 200 and body["success"], body
    return body["data"]


async def callback(client: Client, case: Case, code: str, state: str) -> tuple[int, Any]:
    return await client.json(
        "GET", f"/api/oauth/{case.slug}", params={"code": code, "state": state}
    )


async def round_trip(
    client: Client, case: Case, profile: dict[str, Any], aff: str = ""
) -> tuple[int, Any]:
    """What the console does: get a state, send the user to the provider, call the callback.
    On a login the client keeps the New-Api-User header of the user it became."""
    state = await get_state(client, aff)
    assert case.fake is not None
    status, body = await callback(client, case, case.fake.authorize(profile), state)
    if body.get("success") and isinstance(body.get("data"), dict) and "id" in body["data"]:
        client.user_id = body["data"]["id"]
    return status, body


# ---- fixtures: a test module imports the functions; its tests ask for `fakes`, `config` (the
# gateway's, pointed at the fakes) and `case` (each provider in turn) --------------------------


@pytest.fixture(name="fakes")
async def oauth_fakes() -> AsyncIterator[dict[str, FakeProvider]]:
    started = {slug: await cls().start() for slug, cls in FAKES.items()}
    try:
        yield started
    finally:
        for fake in started.values():
            await fake.stop()


@pytest.fixture(name="config")
def oauth_config(config: Config, fakes: dict[str, FakeProvider]) -> Config:
    return provider_config(config, fakes)


@pytest.fixture(name="case", params=SLUGS)
def oauth_case(request: pytest.FixtureRequest, fakes: dict[str, FakeProvider]) -> Case:
    base = next(c for c in CASES if c.slug == request.param)
    return dataclasses.replace(base, fake=fakes[base.slug])


async def user_row(gateway: Gateway, **where: str) -> dict[str, Any]:
    """The one user whose `column` is `value` (user_row(gw, github_id="1"))."""
    ((column, value),) = where.items()
    rows = await gateway.app[MAIN_DB].fetchall(f"SELECT * FROM users WHERE {column} = ?", (value,))
    assert len(rows) == 1, rows
    return rows[0]


async def user_count(gateway: Gateway) -> int:
    return await gateway.app[MAIN_DB].fetchval("SELECT COUNT(*) FROM users")
