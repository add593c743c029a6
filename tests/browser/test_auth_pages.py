"""The sign-in pages in Chromium against the real gateway: registration with an email code read
from a real SMTP server (and an invite link), then a login; the 2FA step with a code, a wrong
code and a backup code; a passkey login with Chromium's virtual authenticator; password reset
from the mail to the new password; OIDC sign-in, bind and refusal through a fake provider on
127.0.0.1; WeChat's code login; Turnstile with a fake widget script (page.route) whose token
reaches the gateway. Cloudflare's and Telegram's scripts load only when their switch is on."""

from __future__ import annotations

import re
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
from tests.support.gateway import Client, Gateway
from tests.support.smtp import FakeSmtp
from tests.support.twofa import ClockGateway, enroll

PASSWORD = "rootpass123"
EXTERNAL = re.compile(r"^https://(challenges\.cloudflare\.com|telegram\.org)/")
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


def field(page, label: str):
    return page.get_by_label(re.compile("^" + re.escape(label) + r"( \*)?$"))


async def settled(page) -> None:
    """Drawn and done fetching (a test ending mid-fetch leaves a file response unclosed)."""
    await expect(page.get_by_role("heading", level=2).first).to_be_visible()
    await page.wait_for_load_state("networkidle")


async def set_options(root: Client, **values: Any) -> None:
    for key, value in values.items():
        status, body = await root.json("PUT", "/api/option/", json={"key": key, "value": value})
        assert status == 200 and body["success"], (key, body)


async def watch_external(page) -> list[str]:
    """Answer (never fetch) Cloudflare's and Telegram's scripts; the list of those asked for."""
    asked: list[str] = []

    async def handler(route) -> None:
        asked.append(route.request.url)
        await route.fulfill(status=404, body="")

    await page.route(EXTERNAL, handler)
    return asked


async def password_login(tab, username: str, password: str) -> None:
    page = tab.page
    await field(page, "Username or email").fill(username)
    await field(page, "Password").fill(password)
    await page.get_by_role("button", name="Log in", exact=True).click()


async def logged_in_as(page, username: str) -> None:
    await expect(page).to_have_url(re.compile(r"/console$"))
    user = await page.evaluate("JSON.parse(localStorage.getItem('user'))")
    assert user["username"] == username, user
    await settled(page)


@pytest.fixture
async def smtp(gateway: Gateway) -> AsyncIterator[FakeSmtp]:
    async with FakeSmtp("plain", auth=False) as server:
        yield server


async def use_smtp(root: Client, smtp: FakeSmtp, **more: Any) -> None:
    await set_options(
        root, SMTPServer="127.0.0.1", SMTPPort=smtp.port, SMTPFrom="noreply@example.com", **more
    )


async def test_register_with_an_email_code_then_log_in(gateway: Gateway, smtp: FakeSmtp, open_tab):
    await gateway.setup_root()
    root = await gateway.login("root", PASSWORD)
    await use_smtp(root, smtp, EmailVerificationEnabled=True)
    status, body = await root.json("GET", "/api/user/aff")
    assert body["success"], body
    invite = body["data"]

    tab = await open_tab(gateway.base)
    page = tab.page
    asked = await watch_external(page)
    await tab.goto(f"/register?aff={invite}")
    await settled(page)
    assert await page.evaluate("localStorage.getItem('aff')") == invite
    await expect(field(page, "Invite code")).to_have_value(invite)
    await field(page, "Username").fill("alice")
    await field(page, "Password").fill("alicepass1")
    await field(page, "Repeat the password").fill("alicepass1")
    await field(page, "Email").fill("alice@example.com")
    await page.get_by_role("button", name="Send code").click()
    await expect(page.get_by_text("A code was mailed to alice@example.com")).to_be_visible()
    await expect(page.get_by_role("button", name=re.compile(r"Resend in \d+ s"))).to_be_disabled()
    (mail,) = await smtp.wait_for(1)
    assert mail.recipients == ["alice@example.com"]
    code = re.search(r"verification code is: ([0-9a-f]{6})\b", mail.text())
    assert code, mail.text()
    await tab.shoot("register")

    # a wrong code is refused in place, the right one registers
    await field(page, "Verification code").fill("000000")
    await page.get_by_role("button", name="Create the account").click()
    await expect(page.get_by_role("alert")).to_contain_text(re.compile("code", re.I))
    await field(page, "Verification code").fill(code.group(1))
    await page.get_by_role("button", name="Create the account").click()
    await expect(page).to_have_url(re.compile(r"/login\?registered=1$"))
    await expect(page.get_by_test_id("login-notice")).to_have_text(
        "Your account is ready. Log in with your username and password."
    )
    await tab.shoot("login-after-register")
    await password_login(tab, "alice", "alicepass1")
    await logged_in_as(page, "alice")

    row = await gateway.app[MAIN_DB].fetchone("SELECT * FROM users WHERE username = 'alice'")
    assert row["email"] == "alice@example.com" and row["inviter_id"] == 1
    assert asked == []  # no Turnstile, no Telegram: their scripts are never asked for


async def test_register_closed_and_in_chinese(gateway: Gateway, open_tab):
    await gateway.setup_root()
    root = await gateway.login("root", PASSWORD)
    await set_options(root, RegisterEnabled=False)
    tab = await open_tab(gateway.base, locale="zh-CN", color_scheme="dark")
    await tab.goto("/register")
    await settled(tab.page)
    await expect(tab.page.get_by_test_id("register-closed")).to_contain_text("已关闭注册")
    await expect(tab.page.get_by_role("textbox")).to_have_count(0)
    await tab.shoot("register-closed-zh-dark")
    await tab.goto("/login")
    await settled(tab.page)
    await expect(tab.page.get_by_role("link", name="注册账户")).to_have_count(0)
    await tab.shoot("login-zh-dark")


@pytest.fixture
async def clock_gateway(config: Config) -> AsyncIterator[ClockGateway]:
    gw = ClockGateway(config)
    await gw.start()
    try:
        yield gw
    finally:
        await gw.stop()


async def test_login_with_2fa_code_and_backup_code(clock_gateway: ClockGateway, open_tab):
    gw = clock_gateway
    await gw.setup_root()
    root = await gw.login("root", PASSWORD)
    secret, backups = await enroll(gw, root)

    tab = await open_tab(gw.base + "/login?expired=true")
    page = tab.page
    await tab.goto("/login?expired=true")
    await settled(page)
    await expect(page.get_by_test_id("login-notice")).to_contain_text("Your session has expired")
    await tab.shoot("login")
    await password_login(tab, "root", PASSWORD)
    await expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    pins = page.get_by_test_id("twofa-code").locator("input")
    await pins.first.click()
    await page.keyboard.type("000000")
    await page.get_by_role("button", name="Verify").click()
    await expect(page.get_by_role("alert")).to_contain_text("wrong")
    await expect(page).to_have_url(re.compile(r"/login"))
    await tab.shoot("login-2fa-wrong")
    for _ in range(6):
        await pins.first.press("Backspace")
    await pins.first.click()
    await page.keyboard.type(gw.code(secret))
    await page.get_by_role("button", name="Verify").click()
    await logged_in_as(page, "root")

    # a fresh browser: the password, then a backup code
    tab2 = await open_tab(gw.base)
    page2 = tab2.page
    await tab2.goto("/login")
    await settled(page2)
    await password_login(tab2, "root", PASSWORD)
    await page2.get_by_role("button", name="Use a backup code instead").click()
    await field(page2, "Verification code").fill(backups[0])
    await tab2.shoot("login-2fa-backup")
    await page2.get_by_role("button", name="Verify").click()
    await logged_in_as(page2, "root")
    status, body = await root.json("GET", "/api/user/2fa/status")
    assert body["data"]["backup_codes_remaining"] == len(backups) - 1, body


REGISTER_PASSKEY = """async () => {
  const headers = {'Content-Type': 'application/json', 'New-Api-User': '1'};
  const bytes = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') +
    '==='.slice((s.length + 3) % 4)), (c) => c.charCodeAt(0));
  const text = (b) => btoa(String.fromCharCode(...new Uint8Array(b)))
    .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const call = async (path, body) => (await fetch(path, {method: 'POST', headers,
    body: JSON.stringify(body)})).json();
  const begin = await call('/api/user/passkey/register/begin', {});
  if (!begin.success) return begin;
  const o = begin.data.options.publicKey;
  const cred = await navigator.credentials.create({publicKey: {...o, challenge: bytes(o.challenge),
    user: {...o.user, id: bytes(o.user.id)},
    excludeCredentials: (o.excludeCredentials || []).map((c) => ({...c, id: bytes(c.id)}))}});
  return call('/api/user/passkey/register/finish', {id: cred.id, rawId: text(cred.rawId),
    type: cred.type, clientExtensionResults: {}, response: {
      clientDataJSON: text(cred.response.clientDataJSON),
      attestationObject: text(cred.response.attestationObject),
      transports: cred.response.getTransports()}});
}"""


async def test_passkey_login(gateway: Gateway, open_tab):
    # passkeys need a domain name: the console is opened at http://localhost:PORT
    await gateway.setup_root()
    root = await gateway.login("root", PASSWORD)
    await set_options(root, **{"passkey.enabled": True})
    tab = await open_tab(gateway.base.replace("127.0.0.1", "localhost"))
    page = tab.page
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    authenticator = {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
    }  # fmt: skip
    await cdp.send("WebAuthn.addVirtualAuthenticator", {"options": authenticator})
    await tab.goto("/login")
    await settled(page)
    await password_login(tab, "root", PASSWORD)
    await logged_in_as(page, "root")
    registered = await page.evaluate(REGISTER_PASSKEY)
    assert registered["success"], registered

    # log out (cookie and stored user gone), then the passkey alone logs in
    await page.context.clear_cookies()
    await page.evaluate("localStorage.removeItem('user')")
    await tab.goto("/login")
    await settled(page)
    await tab.shoot("login-passkey")
    await page.get_by_role("button", name="Log in with a passkey").click()
    await logged_in_as(page, "root")
    status, body = await root.json("GET", "/api/user/passkey")
    assert body["data"]["enabled"] and body["data"]["last_used_at"], body


async def test_password_reset_end_to_end(gateway: Gateway, smtp: FakeSmtp, open_tab):
    await gateway.setup_root()
    root = await gateway.login("root", PASSWORD)
    await use_smtp(root, smtp, ServerAddress=gateway.base)
    await gateway.add_user("bob", password="oldpass123", email="bob@example.com")

    tab = await open_tab(gateway.base)
    page = tab.page
    await tab.goto("/login")
    await settled(page)
    await page.get_by_role("link", name="Forgot your password?").click()
    await expect(page).to_have_url(re.compile(r"/reset$"))
    await field(page, "Email").fill("bob@example.com")
    await page.get_by_role("button", name="Send the reset link").click()
    await expect(page.get_by_test_id("reset-sent")).to_contain_text(
        "If bob@example.com belongs to an account"
    )
    await tab.shoot("reset-sent")
    (mail,) = await smtp.wait_for(1)
    link = re.search(r"(https?://\S+/user/reset\?\S+)", mail.text())
    assert link and link.group(1).startswith(gateway.base + "/user/reset?"), mail.text()

    await page.goto(link.group(1))
    await settled(page)
    await expect(page.get_by_text("Reset the password of bob@example.com")).to_be_visible()
    await page.get_by_role("button", name="Reset the password").click()
    shown = page.get_by_test_id("new-password")
    await expect(shown).to_have_text(re.compile(r"^\S{12}$"))
    new_password = (await shown.text_content() or "").strip()
    await page.get_by_role("button", name="Copy the password").click()
    assert await page.evaluate("navigator.clipboard.readText()") == new_password
    await tab.shoot("user-reset-done")
    await page.get_by_role("link", name="Log in").click()
    await expect(page.get_by_test_id("login-notice")).to_contain_text("Your password was reset")
    await password_login(tab, "bob", new_password)
    await logged_in_as(page, "bob")

    # the link worked once: opened again, the refusal is shown in place
    await page.goto(link.group(1))
    await settled(page)
    await page.get_by_role("button", name="Reset the password").click()
    await expect(page.get_by_role("alert")).to_be_visible()
    await expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()


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


async def test_turnstile_token_reaches_the_gateway(config: Config, open_tab):
    async with FakeTurnstile() as turnstile:
        gw = Gateway(replace(config, providers={"turnstile_verify_url": turnstile.url}))
        await gw.start()
        try:
            await gw.setup_root()
            root = await gw.login("root", PASSWORD)
            await set_options(
                root,
                TurnstileSiteKey=SITE_KEY,
                TurnstileSecretKey=SECRET,
                TurnstileCheckEnabled=True,
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
            await expect(page.get_by_test_id("turnstile")).to_contain_text(
                f"fake turnstile for {SITE_KEY}"
            )
            assert scripts == [
                "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit"
            ]
            await tab.shoot("login-turnstile")
            await password_login(tab, "root", PASSWORD)
            await logged_in_as(page, "root")
            assert turnstile.forms and turnstile.forms[-1]["response"] == GOOD_TOKEN
            assert turnstile.forms[-1]["secret"] == SECRET
        finally:
            await gw.stop()
