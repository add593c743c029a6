"""Signing in with outside accounts in Chromium against the real gateway: OIDC sign-in, bind and
refusal through a fake provider on 127.0.0.1 (it serves the authorize page too, so nothing is
intercepted); WeChat's code login against a fake WeChat server; Telegram's login widget and
Cloudflare Turnstile with fake widget scripts served by page.route (the real ones are never
fetched), the Turnstile token reaching the gateway's siteverify."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from playwright.async_api import expect

from clawrouter.config import Config, replace
from clawrouter.keys import MAIN_DB
from tests.support.fake_oauth import CLIENT_ID, CLIENT_SECRET, FakeOIDC, FakeWeChat
from tests.support.fake_turnstile import GOOD_TOKEN, SECRET, SITE_KEY, FakeTurnstile
from tests.support.gateway import Gateway
from tests.support.signin import field, logged_in_as, password_login, set_options, settled

PASSWORD = "rootpass123"
FAKE_TURNSTILE_JS = """window.turnstile = {
  render(el, opts) {
    const box = document.createElement('div');
    box.textContent = 'fake turnstile for ' + opts.sitekey;
    el.appendChild(box);
    setTimeout(() => opts.callback('GOOD_TOKEN'), 30);
    return 'widget-1';
  },
  remove() {},
};""".replace("GOOD_TOKEN", GOOD_TOKEN)
BOT_TOKEN = "123456:fake-telegram-bot-token"
# Telegram's widget script draws its button where the script element is and, on a login,
# calls the code in data-onauth with `user` (the signed fields). This one does the same.
FAKE_TELEGRAM_JS = """(() => {
  const script = document.currentScript;
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Log in as ' + script.getAttribute('data-telegram-login');
  button.onclick = () => new Function('user', script.getAttribute('data-onauth'))(FIELDS);
  script.after(button);
})();"""


def telegram_fields(tg_id: str) -> dict[str, str]:
    """Widget fields signed as Telegram signs them (HMAC-SHA256 keyed by SHA-256(bot token))."""
    fields = {"id": tg_id, "first_name": "Tele", "username": "tele_user",
              "auth_date": str(int(time.time()) - 5)}  # fmt: skip
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    secret = hashlib.sha256(BOT_TOKEN.encode()).digest()
    return {**fields, "hash": hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()}


class AuthorizingOIDC(FakeOIDC):
    """The fake OIDC server with the authorize page a browser visits: it records the query
    and sends the browser back to redirect_uri with a code for `profile` (or with `error`)."""

    def __init__(self) -> None:
        super().__init__()
        self.profile: dict[str, Any] = {}
        self.error = ""
        self.authorizations: list[dict[str, str]] = []

    def add_routes(self, app: web.Application) -> None:
        super().add_routes(app)
        app.router.add_get("/authorize", self.authorize_page)

    async def authorize_page(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.authorizations.append(query)
        if self.error:
            back = {
                "error": self.error,
                "error_description": "The user said no",
                "state": query["state"],
            }
        else:
            back = {"code": self.authorize(self.profile), "state": query["state"]}
        return web.Response(
            status=302, headers={"Location": f"{query['redirect_uri']}?{urlencode(back)}"}
        )


@pytest.fixture
async def oidc() -> AsyncIterator[AuthorizingOIDC]:
    fake = AuthorizingOIDC()
    async with fake:
        yield fake


async def test_oidc_sign_in_bind_and_refusal(gateway: Gateway, oidc: AuthorizingOIDC, open_tab):
    await gateway.setup_root()
    root = await gateway.login("root", PASSWORD)
    await set_options(root, **{
        "oidc.well_known": oidc.well_known, "oidc.authorization_endpoint": oidc.base_url + "/authorize",
        "oidc.client_id": CLIENT_ID, "oidc.client_secret": CLIENT_SECRET, "oidc.enabled": True,
    })  # fmt: skip
    oidc.profile = {
        "sub": "sub-7",
        "preferred_username": "olga",
        "name": "Olga",
        "email": "olga@idp.example",
    }

    tab = await open_tab(gateway.base)
    page = tab.page
    await tab.goto("/login")
    await settled(page)
    await expect(page.get_by_test_id("oauth-buttons")).to_be_visible()
    await page.get_by_role("button", name="Continue with OIDC").click()
    await logged_in_as(page, "olga")
    (auth,) = oidc.authorizations
    assert auth["client_id"] == CLIENT_ID and auth["response_type"] == "code"
    assert auth["scope"] == "openid profile email" and len(auth["state"]) == 12
    assert auth["redirect_uri"] == gateway.base + "/oauth/oidc"
    (token_call,) = oidc.calls("/token")
    assert token_call.form["redirect_uri"] == gateway.base + "/oauth/oidc"
    row = await gateway.app[MAIN_DB].fetchone("SELECT * FROM users WHERE oidc_id = 'sub-7'")
    assert row["username"] == "olga"

    # the user says no at the provider: the callback page says why, with a way back
    tab2 = await open_tab(gateway.base)
    await tab2.goto("/register")  # the register page offers the outside accounts too
    await settled(tab2.page)
    await expect(tab2.page.get_by_role("button", name="Continue with OIDC")).to_be_visible()
    await tab2.goto("/login")
    await settled(tab2.page)
    oidc.error = "access_denied"
    await tab2.page.get_by_role("button", name="Continue with OIDC").click()
    await expect(tab2.page.get_by_test_id("oauth-error")).to_contain_text("The user said no")
    await tab2.shoot("oauth-refused")
    await tab2.page.get_by_role("link", name="Back to login").click()
    await expect(tab2.page).to_have_url(re.compile(r"/login$"))
    await settled(tab2.page)

    # a logged-in user (root) binds an OIDC account: the callback goes to personal settings
    oidc.error = ""
    oidc.profile = {"sub": "sub-root", "preferred_username": "boss", "email": "boss@idp.example"}
    await password_login(tab2, "root", PASSWORD)
    await logged_in_as(tab2.page, "root")
    state = await tab2.page.evaluate(
        "fetch('/api/oauth/state', {headers: {'New-Api-User': '1'}}).then((r) => r.json())"
    )
    query = urlencode({"state": state["data"], "redirect_uri": gateway.base + "/oauth/oidc"})
    await tab2.page.goto(f"{oidc.base_url}/authorize?{query}")
    await expect(tab2.page).to_have_url(re.compile(r"/console/personal$"))
    await settled(tab2.page)
    row = await gateway.app[MAIN_DB].fetchone("SELECT oidc_id FROM users WHERE id = 1")
    assert row["oidc_id"] == "sub-root"


async def test_wechat_code_login(gateway: Gateway, open_tab):
    async with FakeWeChat() as wechat:
        await gateway.setup_root()
        root = await gateway.login("root", PASSWORD)
        await set_options(
            root, WeChatServerAddress=wechat.base_url, WeChatServerToken=wechat.token,
            WeChatAccountQRCodeImageURL=gateway.base + "/favicon.svg", WeChatAuthEnabled=True,
        )  # fmt: skip
        tab = await open_tab(gateway.base)
        page = tab.page
        await tab.goto("/login")
        await settled(page)
        await page.get_by_role("button", name="Continue with WeChat").click()
        dialog = page.get_by_role("dialog", name="Log in with WeChat")
        await expect(
            dialog.get_by_role("img", name="The official account’s QR code")
        ).to_be_visible()
        await field(dialog, "Verification code").fill("wrong-code")
        await dialog.get_by_role("button", name="Log in").click()
        await expect(dialog.get_by_role("alert")).to_be_visible()
        await tab.shoot("login-wechat")
        await field(dialog, "Verification code").fill(wechat.authorize({"openid": "wx-open-1"}))
        await dialog.get_by_role("button", name="Log in").click()
        await expect(page).to_have_url(re.compile(r"/console$"))
        user = await page.evaluate("JSON.parse(localStorage.getItem('user'))")
        assert user["username"].startswith("wechat_"), user
        await settled(page)


@pytest.fixture
async def turnstile() -> AsyncIterator[FakeTurnstile]:
    async with FakeTurnstile() as fake:
        yield fake


@pytest.fixture
async def turnstile_gateway(config: Config, turnstile: FakeTurnstile) -> AsyncIterator[Gateway]:
    """A gateway whose Turnstile check asks the fake siteverify (stopped after the browser)."""
    gw = Gateway(replace(config, providers={"turnstile_verify_url": turnstile.url}))
    await gw.start()
    try:
        yield gw
    finally:
        await gw.stop()


async def test_turnstile_token_reaches_the_gateway(
    turnstile_gateway: Gateway, turnstile: FakeTurnstile, open_tab
):
    gw = turnstile_gateway
    await gw.setup_root()
    root = await gw.login("root", PASSWORD)
    await set_options(
        root, TurnstileSiteKey=SITE_KEY, TurnstileSecretKey=SECRET, TurnstileCheckEnabled=True
    )
    tab = await open_tab(gw.base)
    page = tab.page
    scripts: list[str] = []

    async def fake_script(route) -> None:
        scripts.append(route.request.url)
        await route.fulfill(content_type="text/javascript", body=FAKE_TURNSTILE_JS)

    await page.route(re.compile(r"^https://challenges\.cloudflare\.com/"), fake_script)
    await tab.goto("/login")
    await settled(page)
    widget = page.get_by_test_id("turnstile")
    await expect(widget).to_contain_text(f"fake turnstile for {SITE_KEY}")
    assert scripts == ["https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit"]
    await tab.shoot("login-turnstile")
    await password_login(tab, "root", PASSWORD)
    await logged_in_as(page, "root")
    assert turnstile.forms and turnstile.forms[-1]["response"] == GOOD_TOKEN
    assert turnstile.forms[-1]["secret"] == SECRET


async def test_telegram_widget_login(gateway: Gateway, open_tab):
    await gateway.setup_root()
    root = await gateway.login("root", PASSWORD)
    await set_options(
        root, TelegramBotToken=BOT_TOKEN, TelegramBotName="fake_bot", TelegramOAuthEnabled=True
    )
    await gateway.add_user("tele", telegram_id="5550001")
    tab = await open_tab(gateway.base)
    page = tab.page
    scripts: list[str] = []
    fields = telegram_fields("5550001")

    async def fake_widget(route) -> None:
        scripts.append(route.request.url)
        body = FAKE_TELEGRAM_JS.replace("FIELDS", json.dumps(fields))
        await route.fulfill(content_type="text/javascript", body=body)

    await page.route(re.compile(r"^https://telegram\.org/"), fake_widget)
    await tab.goto("/login")
    await settled(page)
    widget = page.get_by_test_id("telegram-login")
    await widget.get_by_role("button", name="Log in as fake_bot").click()
    await logged_in_as(page, "tele")
    assert scripts == ["https://telegram.org/js/telegram-widget.js?22"]
