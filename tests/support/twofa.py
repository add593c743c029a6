"""Helpers for the account-security tests: a gateway on a clock the test moves, TOTP codes from
pyotp, 2FA enrolment over the API, and cookies made with the app's own session secret."""

from __future__ import annotations

import time
from typing import Any

import pyotp
from aiohttp import web
from yarl import URL

from clawrouter.app import create_app
from clawrouter.auth.sessions import COOKIE
from clawrouter.config import Config
from clawrouter.keys import SESSIONS
from tests.support.gateway import Client, Gateway

STEP = 30


class ClockGateway(Gateway):
    """The gateway with a clock the test sets (starts at the beginning of a 30 s step)."""

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.now = float(int(time.time()) // STEP * STEP)

    def make_app(self) -> web.Application:
        return create_app(self.config, clock=lambda: self.now)

    def tick(self, seconds: float) -> None:
        self.now += seconds

    def code(self, secret: str, offset_steps: int = 0) -> str:
        """The TOTP code of the gateway's current time step (plus offset_steps)."""
        return pyotp.TOTP(secret).at(int(self.now) + offset_steps * STEP)

    def forge(self, client: Client, data: dict[str, Any]) -> None:
        """Give `client` a session cookie holding `data`, signed with the app's secret (what
        another handler, such as passkey verify/finish, would have written)."""
        cookie = self.app[SESSIONS].encode(data, int(self.now))
        client.session.cookie_jar.update_cookies({COOKIE: cookie}, URL(self.base))


async def enroll(gw: ClockGateway, client: Client) -> tuple[str, list[str]]:
    """Set up and enable 2FA for the client's user; returns (secret, backup codes). The clock
    moves to the next step, so the code that enabled it is not the current one."""
    status, body = await client.json("POST", "/api/user/2fa/setup")
    assert status == 200 and body["success"], body
    secret, codes = body["data"]["secret"], body["data"]["backup_codes"]
    status, body = await client.json("POST", "/api/user/2fa/enable", json={"code": gw.code(secret)})
    assert status == 200 and body["success"], body
    gw.tick(STEP)
    return secret, codes


async def login_2fa(gw: ClockGateway, username: str, password: str, code: str) -> Client:
    """Both login steps; returns the logged-in client."""
    c = gw.client()
    status, body = await c.json(
        "POST", "/api/user/login", json={"username": username, "password": password}
    )
    assert status == 200 and body["data"] == {"require_2fa": True}, body
    status, body = await c.json("POST", "/api/user/login/2fa", json={"code": code})
    assert status == 200 and body["success"], body
    c.user_id = body["data"]["id"]
    return c
