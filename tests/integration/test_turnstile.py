"""Cloudflare Turnstile against a fake siteverify on 127.0.0.1: with TurnstileCheckEnabled,
login, registration, verification mails and password reset need ?turnstile=<token>; a success is
remembered for the session; a missing or wrong token and a siteverify that fails, answers
garbage or hangs are clear 200 success:false answers, fast."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from clawrouter.config import Config, replace
from tests.support.fake_turnstile import GOOD_TOKEN, SECRET, SITE_KEY, FakeTurnstile
from tests.support.gateway import Gateway

TIMEOUT = 1.0
PASSWORD = "goodpass123"


@pytest.fixture
async def turnstile() -> AsyncIterator[FakeTurnstile]:
    async with FakeTurnstile() as fake:
        yield fake


@pytest.fixture
def config(config: Config, turnstile: FakeTurnstile) -> Config:
    return replace(
        config, providers={"turnstile_verify_url": turnstile.url, "timeout_seconds": TIMEOUT}
    )


@pytest.fixture
async def enabled(root) -> None:
    for key, value in (
        ("TurnstileSiteKey", SITE_KEY),
        ("TurnstileSecretKey", SECRET),
        ("TurnstileCheckEnabled", True),
    ):
        status, body = await root.json("PUT", "/api/option/", json={"key": key, "value": value})
        assert status == 200 and body["success"], body


async def call(client, method: str, path: str, token: str | None = None, **kw: Any):
    params = dict(kw.pop("params", {}))
    if token is not None:
        params["turnstile"] = token
    status, body = await client.json(method, path, params=params, **kw)
    assert status == 200, (status, body)
    return body


LOGIN = {"username": "root", "password": "rootpass123"}


async def test_login_needs_a_token(gateway: Gateway, turnstile: FakeTurnstile, enabled):
    client = gateway.client()
    body = await call(client, "POST", "/api/user/login", json=LOGIN)
    assert body["success"] is False and "Turnstile token is missing" in body["message"]
    body = await call(client, "POST", "/api/user/login", "bad-token", json=LOGIN)
    assert body == {
        "success": False,
        "message": "Turnstile verification failed, please refresh the page and try again",
    }
    body = await call(client, "POST", "/api/user/login", GOOD_TOKEN, json=LOGIN)
    assert body["success"] is True and body["data"]["username"] == "root"
    assert turnstile.forms[-1] == {
        "secret": SECRET,
        "response": GOOD_TOKEN,
        "remoteip": "127.0.0.1",
    }
    assert len(turnstile.forms) == 2  # the missing token never reached Cloudflare


async def test_success_is_remembered_for_the_session(
    gateway: Gateway, turnstile: FakeTurnstile, enabled
):
    client = gateway.client()
    body = await call(
        client,
        "POST",
        "/api/user/register",
        GOOD_TOKEN,
        json={"username": "first", "password": PASSWORD},
    )
    assert body["success"], body
    body = await call(
        client, "POST", "/api/user/register", json={"username": "second", "password": PASSWORD}
    )
    assert body["success"], body
    assert len(turnstile.forms) == 1
    # another session is asked again
    body = await call(
        gateway.client(),
        "POST",
        "/api/user/register",
        json={"username": "third", "password": PASSWORD},
    )
    assert body["success"] is False and "Turnstile" in body["message"]


@pytest.mark.parametrize(
    ("method", "path", "kw"),
    [
        ("POST", "/api/user/register", {"json": {"username": "x", "password": PASSWORD}}),
        ("GET", "/api/verification", {"params": {"email": "a@example.com"}}),
        ("GET", "/api/reset_password", {"params": {"email": "a@example.com"}}),
        ("POST", "/api/user/login", {"json": LOGIN}),
    ],
)
async def test_every_protected_route(gateway: Gateway, enabled, method, path, kw):
    body = await call(gateway.client(), method, path, **kw)
    assert body["success"] is False and "Turnstile token is missing" in body["message"]
    body = await call(gateway.client(), method, path, "wrong", **kw)
    assert body["success"] is False and "Turnstile verification failed" in body["message"]


async def test_off_by_default(gateway: Gateway, turnstile: FakeTurnstile, root):
    body = await call(gateway.client(), "POST", "/api/user/login", json=LOGIN)
    assert body["success"] is True and turnstile.forms == []


@pytest.mark.parametrize(
    ("fault", "fragment"),
    [
        ("http_500", "siteverify answered HTTP 500"),
        ("not_json", "Turnstile verification failed"),
        ("slow", f"did not answer within {TIMEOUT:g} s"),
    ],
)
async def test_siteverify_failures(
    gateway: Gateway, turnstile: FakeTurnstile, enabled, fault, fragment
):
    turnstile.fault = fault
    started = time.monotonic()
    body = await call(gateway.client(), "POST", "/api/user/login", GOOD_TOKEN, json=LOGIN)
    assert time.monotonic() - started < TIMEOUT + 1.0
    assert body["success"] is False and fragment in body["message"]
    assert SECRET not in body["message"]


async def test_siteverify_unreachable(gateway: Gateway, turnstile: FakeTurnstile, enabled):
    """Nothing listens at the verify URL any more: a clear error, at once."""
    await turnstile.stop()
    started = time.monotonic()
    body = await call(gateway.client(), "POST", "/api/user/login", GOOD_TOKEN, json=LOGIN)
    assert time.monotonic() - started < TIMEOUT
    assert body["success"] is False and "could not be reached" in body["message"]
