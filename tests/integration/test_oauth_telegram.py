"""Telegram sign-in with login-widget data signed in the test as Telegram signs it: login for
a bound user only (no registration), bind for the logged-in user with a 302 to the console;
a bad hash, a stale or future auth_date, a switched-off provider are refused."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from clawrouter.db.repo import users as users_repo
from clawrouter.keys import MAIN_DB
from tests.support.gateway import Client, Gateway
from tests.support.oauth_cases import set_options

BOT_TOKEN = "123456:fake-telegram-bot-token"


def signed(tg_id: int = 5550001, *, age: int = 10, token: str = BOT_TOKEN) -> dict[str, str]:
    """Widget fields as Telegram hands them to the browser."""
    fields = {
        "id": str(tg_id),
        "first_name": "Tele",
        "username": "tele_user",
        "photo_url": "https://t.me/i/userpic/320/x.jpg",
        "auth_date": str(int(time.time()) - age),
    }
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    secret = hashlib.sha256(token.encode()).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return fields


@pytest.fixture
async def enabled(root: Client) -> Client:
    await set_options(
        root,
        {
            "TelegramBotToken": BOT_TOKEN,
            "TelegramBotName": "fake_bot",
            "TelegramOAuthEnabled": True,
        },
    )
    return root


async def tg_login(client: Client, fields: dict[str, str]) -> dict:
    status, body = await client.json("GET", "/api/oauth/telegram/login", params=fields)
    assert status == 200, body
    return body


async def test_a_bound_user_logs_in(enabled, gateway: Gateway):
    uid = await gateway.add_user("tele", telegram_id="5550001")
    c = gateway.client()
    body = await tg_login(c, signed())
    assert body["success"] and body["data"]["id"] == uid and body["data"]["username"] == "tele"
    c.user_id = uid
    assert (await c.json("GET", "/api/user/self"))[1]["success"]


async def test_an_unbound_telegram_id_does_not_register(enabled, gateway: Gateway):
    before = await gateway.app[MAIN_DB].fetchval("SELECT COUNT(*) FROM users")
    body = await tg_login(gateway.client(), signed(5550999))
    assert body["success"] is False and "not bound to any user" in body["message"]
    assert await gateway.app[MAIN_DB].fetchval("SELECT COUNT(*) FROM users") == before


@pytest.mark.parametrize(
    ("tamper", "says"),
    [
        pytest.param(lambda f: {**f, "id": "5550002"}, "hash does not match", id="changed-field"),
        pytest.param(lambda f: {**f, "hash": "0" * 64}, "hash does not match", id="wrong-hash"),
        pytest.param(
            lambda f: {k: v for k, v in f.items() if k != "hash"},
            "hash does not match",
            id="no-hash",
        ),
        pytest.param(
            lambda f: signed(token="999:another-bot"), "hash does not match", id="other-bot"
        ),
        pytest.param(lambda f: signed(age=86400 + 60), "more than a day old", id="stale"),
        pytest.param(lambda f: signed(age=-3600), "dated in the future", id="future"),
    ],
)
async def test_bad_widget_data_is_refused(enabled, gateway: Gateway, tamper, says: str):
    await gateway.add_user("tele", telegram_id="5550001")
    body = await tg_login(gateway.client(), tamper(signed()))
    assert body["success"] is False and says in body["message"], body


async def test_switched_off_and_banned(root: Client, gateway: Gateway):
    await gateway.add_user("tele", telegram_id="5550001")
    body = await tg_login(gateway.client(), signed())
    assert body["success"] is False and "Telegram is not enabled" in body["message"]
    await set_options(
        root,
        {
            "TelegramBotToken": BOT_TOKEN,
            "TelegramBotName": "fake_bot",
            "TelegramOAuthEnabled": True,
        },
    )
    await gateway.add_user("banned", status=2, telegram_id="5550003")
    body = await tg_login(gateway.client(), signed(5550003))
    assert body["success"] is False and "banned" in body["message"]


async def test_bind_sets_the_id_and_redirects_to_the_console(enabled, gateway: Gateway):
    uid = await gateway.add_user("erin")
    erin = await gateway.login("erin", "userpass123")
    erin.headers.clear()
    erin.user_id = None  # a browser redirect from the widget: the cookie only
    resp = await erin.request(
        "GET", "/api/oauth/telegram/bind", params=signed(5550010), allow_redirects=False
    )
    assert resp.status == 302 and resp.headers["Location"] == "/console/personal"
    assert (await users_repo.get_user(gateway.app[MAIN_DB], uid))["telegram_id"] == "5550010"
    body = await tg_login(gateway.client(), signed(5550010))
    assert body["success"] and body["data"]["id"] == uid


async def test_bind_refusals(enabled, gateway: Gateway):
    await gateway.add_user("owner", telegram_id="5550020")
    fay_id = await gateway.add_user("fay")
    fay = await gateway.login("fay", "userpass123")
    status, body = await fay.json("GET", "/api/oauth/telegram/bind", params=signed(5550020))
    assert status == 200 and body["success"] is False
    assert "already bound to another user" in body["message"]
    status, body = await fay.json(
        "GET", "/api/oauth/telegram/bind", params={**signed(5550021), "id": "5550022"}
    )
    assert body["success"] is False and "hash does not match" in body["message"]
    assert (await users_repo.get_user(gateway.app[MAIN_DB], fay_id))["telegram_id"] == ""
    status, body = await gateway.client().json(
        "GET", "/api/oauth/telegram/bind", params=signed(5550023)
    )
    assert status == 200 and body["success"] is False and "log in first" in body["message"]
