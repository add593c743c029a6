"""Passkey test helpers: a gateway whose clock the test moves, a user with a software
authenticator, and the begin / finish calls as the console makes them."""

from __future__ import annotations

import time
from typing import Any

from yarl import URL

from clawrouter.auth.sessions import COOKIE
from clawrouter.keys import SESSIONS
from tests.support.authenticator import SoftAuthenticator
from tests.support.gateway import Client, Gateway
from tests.support.twofa import ClockGateway  # noqa: F401 (the tests' clock gateway)

ORIGIN, RP_ID = "https://gateway.test", "gateway.test"
PASSKEY = "/api/user/passkey"


async def set_options(root: Client, **values: Any) -> None:
    for key, value in values.items():
        status, body = await root.json("PUT", "/api/option/", json={"key": key, "value": value})
        assert status == 200 and body["success"], (key, body)


def session_of(gw: Gateway, client: Client) -> dict[str, Any]:
    """The client's session cookie, decoded with the gateway's secret."""
    cookie = client.session.cookie_jar.filter_cookies(URL(gw.base)).get(COOKIE)
    if cookie is None:
        return {}
    return dict(gw.app[SESSIONS].decode(cookie.value, int(time.time())))


def cookie_of(gw: Gateway, client: Client) -> str:
    return client.session.cookie_jar.filter_cookies(URL(gw.base))[COOKIE].value


def put_cookie(gw: Gateway, client: Client, value: str) -> None:
    client.session.cookie_jar.update_cookies({COOKIE: value}, URL(gw.base))


async def begin(client: Client, ceremony: str) -> dict[str, Any]:
    """POST .../<ceremony>/begin; the publicKey options (asserting success)."""
    status, body = await client.json("POST", f"{PASSKEY}/{ceremony}/begin")
    assert status == 200 and body["success"], body
    return body["data"]["options"]["publicKey"]


async def finish(client: Client, ceremony: str, credential: Any) -> tuple[int, Any]:
    return await client.json("POST", f"{PASSKEY}/{ceremony}/finish", json=credential)


async def register(client: Client, auth: SoftAuthenticator) -> None:
    options = await begin(client, "register")
    status, body = await finish(client, "register", auth.create(options))
    assert status == 200 and body["success"], body


async def login(gw: Gateway, auth: SoftAuthenticator) -> tuple[Client, Any]:
    """A fresh anonymous client logs in with the passkey; (client, finish body)."""
    client = gw.client()
    options = await begin(client, "login")
    status, body = await finish(client, "login", auth.get(options))
    assert status == 200, body
    if body["success"]:
        client.user_id = body["data"]["id"]
    return client, body
