"""The personal settings page in Chromium against the real gateway: display name, password
(then a login with the new one), an access token used, invite rewards moved, the account deleted;
2FA enrolled from the page (a login with the 2FA step, new backup codes, turned off); a passkey
registered and removed (Chromium's virtual authenticator) behind the secure verification dialog;
an email bound with a code from a real SMTP server; notification settings read back; an OIDC
bind through the redirect; Chinese, dark and phone screenshots. The browser is logged in through
the API (cookie + localStorage.user), so the tests do not depend on the login page."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl, urlsplit

import pyotp
import pytest
from playwright.async_api import expect

from tests.support.fake_oauth import CLIENT_ID, CLIENT_SECRET, FakeOIDC
from tests.support.gateway import Client, Gateway
from tests.support.signin import field
from tests.support.smtp import FakeSmtp

ROOT_PASSWORD = "rootpass123"
USER_PASSWORD = "userpass123"
SEED = """(user) => { if (!sessionStorage.getItem('seeded')) {
  localStorage.setItem('user', user); sessionStorage.setItem('seeded', '1'); } }"""


async def open_personal(
    gateway: Gateway, open_tab, username: str, password: str, host: str = "127.0.0.1", **tab_kw
):
    """A tab logged in as `username` on /console/personal, and that user's API client."""
    client = await gateway.login(username, password)
    _, me = await client.json("GET", "/api/user/self")
    base = gateway.base.replace("127.0.0.1", host)
    tab = await open_tab(base, **tab_kw)
    cookies = [{"name": c.key, "value": c.value, "url": base} for c in client.session.cookie_jar]
    await tab.page.context.add_cookies(cookies)
    user = {k: me["data"][k] for k in ("id", "username", "display_name", "role", "status", "group")}
    await tab.page.add_init_script(
        f"({SEED})({json.dumps(json.dumps(user))})"
    )  # once per tab: a later logout stays logged out
    await tab.goto("/console/personal")
    await settled(tab.page)
    return tab, client


async def settled(page) -> None:
    """Drawn and fetched (a page left while chunks load leaves aiohttp an unclosed file)."""
    await expect(page.get_by_test_id("section-profile")).to_be_visible()
    await page.wait_for_load_state("networkidle")


async def self_of(client: Client) -> dict:
    status, body = await client.json("GET", "/api/user/self")
    assert status == 200 and body["success"], body
    return body["data"]


async def test_profile_password_token_invite_and_delete(gateway: Gateway, open_tab):
    await gateway.setup_root()
    unit = 500_000  # QuotaPerUnit: one dollar of quota
    uid = await gateway.add_user("alice", USER_PASSWORD, aff_quota=2 * unit, aff_history=2 * unit)
    tab, alice = await open_personal(gateway, open_tab, "alice", USER_PASSWORD)
    page = tab.page
    await expect(page.get_by_role("heading", name="Personal settings")).to_be_visible()
    await expect(page.get_by_test_id("personal-name")).to_have_text("alice")
    await expect(page.get_by_test_id("personal-email")).to_have_text("No email bound")

    # display name
    profile = page.get_by_test_id("section-profile")
    await field(profile, "Display name").fill("Alice Liddell")
    await profile.get_by_role("button", name="Save").click()
    await expect(page.get_by_test_id("personal-name")).to_have_text("Alice Liddell")
    assert (await self_of(alice))["display_name"] == "Alice Liddell"

    # password: a wrong current one is said in place; then the change, and the new one logs in
    pw = page.get_by_test_id("section-password")
    await field(pw, "Current password").fill("not-my-password")
    await field(pw, "New password").fill("brand-new-pass1")
    await field(pw, "Repeat the new password").fill("brand-new-pass1")
    await pw.get_by_role("button", name="Change password").click()
    await expect(pw.get_by_role("alert")).to_contain_text("the original password is wrong")
    await field(pw, "Current password").fill(USER_PASSWORD)
    await pw.get_by_role("button", name="Change password").click()
    await expect(page.get_by_test_id("password-changed")).to_contain_text(
        "Your other sessions have ended"
    )
    status, body = await gateway.client().json(
        "POST", "/api/user/login", json={"username": "alice", "password": USER_PASSWORD}
    )
    assert body["success"] is False
    alice = await gateway.login("alice", "brand-new-pass1")
    # this browser stayed logged in
    await page.reload()
    await settled(page)
    await expect(page.get_by_test_id("personal-name")).to_have_text("Alice Liddell")

    # access token: shown once, and it calls the API
    token_box = page.get_by_test_id("section-token")
    await expect(token_box).to_contain_text("replaces the old one")
    await token_box.get_by_role("button", name="Generate a token").click()
    token = (await page.get_by_test_id("access-token").inner_text()).strip()
    assert len(token) >= 24
    status, body = await gateway.client(uid).json(
        "GET", "/api/user/self", headers={"Authorization": f"Bearer {token}"}
    )
    assert status == 200 and body["data"]["username"] == "alice", body

    # the invite link carries the user's invite code
    aff = (await self_of(alice))["aff_code"]
    assert aff
    await expect(page.get_by_test_id("invite-link")).to_have_text(
        f"{gateway.base}/register?aff={aff}"
    )
    # invite rewards moved to the balance
    await page.get_by_role("button", name="Move to balance").click()
    dialog = page.get_by_role("dialog", name="Move invite rewards to your balance")
    await dialog.get_by_label(re.compile(r"^Amount")).fill("1")
    await dialog.get_by_role("button", name="Move to balance").click()
    await expect(page.get_by_test_id("personal-balance")).to_have_text("$1")
    me = await self_of(alice)
    assert (me["quota"], me["aff_quota"], me["aff_history_quota"]) == (unit, unit, 2 * unit)
    await page.evaluate("window.scrollTo(0, 0)")
    await tab.shoot("personal")

    # deleting the account: the button waits for the username, then the login page
    await page.get_by_role("button", name="Delete my account").click()
    dialog = page.get_by_role("dialog", name="Delete account")
    confirm = dialog.get_by_role("button", name="Delete my account")
    await expect(confirm).to_be_disabled()
    await dialog.get_by_label(re.compile("Type your username")).fill("alice")
    await confirm.click()
    await expect(page).to_have_url(re.compile(r"/login"))
    status, body = await gateway.client().json(
        "POST", "/api/user/login", json={"username": "alice", "password": "brand-new-pass1"}
    )
    assert body["success"] is False


async def test_two_factor_and_passkey(gateway: Gateway, open_tab):
    await gateway.setup_root()
    root = await gateway.login("root", ROOT_PASSWORD)
    status, body = await root.json(
        "PUT", "/api/option/", json={"key": "passkey.enabled", "value": "true"}
    )
    assert body["success"], body
    # passkeys need a domain name: the console is opened at http://localhost:PORT
    tab, _ = await open_personal(gateway, open_tab, "root", ROOT_PASSWORD, host="localhost")
    page = tab.page
    box = page.get_by_test_id("section-2fa")
    await expect(page.get_by_test_id("twofa-status")).to_have_text("Off")

    # enrolment: QR code, the key for manual entry and four backup codes, then a code
    await box.get_by_role("button", name="Set up").click()
    dialog = page.get_by_role("dialog", name="Set up two-factor authentication")
    await expect(
        dialog.get_by_role("img", name="QR code for your authenticator app")
    ).to_be_visible()
    await expect(page.get_by_test_id("backup-codes").locator("code")).to_have_count(4)
    secret = (await page.get_by_test_id("twofa-secret").inner_text()).strip()
    codes = [
        c.strip()
        for c in await page.get_by_test_id("backup-codes").locator("code").all_inner_texts()
    ]
    assert len(codes) == 4 and all(re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", c) for c in codes), (
        codes
    )
    await tab.shoot("personal-2fa-setup")
    await field(dialog, "Authentication code").fill("000000")
    await dialog.get_by_role("button", name="Turn on").click()
    await expect(dialog.get_by_role("alert")).to_be_visible()  # a wrong code, said in place
    await field(dialog, "Authentication code").fill(pyotp.TOTP(secret).now())
    await dialog.get_by_role("button", name="Turn on").click()
    await expect(page.get_by_test_id("twofa-status")).to_have_text("On")
    await expect(page.get_by_test_id("backup-left")).to_have_text("Backup codes left: 4")

    # it is on: the API login needs the second step (a backup code from the page)
    client = gateway.client()
    status, body = await client.json(
        "POST", "/api/user/login", json={"username": "root", "password": ROOT_PASSWORD}
    )
    assert body["data"] == {"require_2fa": True}, body
    status, body = await client.json("POST", "/api/user/login/2fa", json={"code": codes[0]})
    assert body["success"] and body["data"]["username"] == "root", body

    # a passkey: registering asks for a secure verification first (2FA is on)
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    authenticator = {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
    }  # fmt: skip
    await cdp.send("WebAuthn.addVirtualAuthenticator", {"options": authenticator})
    passkey = page.get_by_test_id("section-passkey")
    await expect(page.get_by_test_id("passkey-status")).to_have_text("Not bound")
    await passkey.get_by_role("button", name="Register a passkey").click()
    await expect(page.get_by_test_id("secure-verify")).to_be_visible()
    await page.get_by_test_id("verify-code").fill(codes[1])
    await page.get_by_test_id("verify-submit").click()
    await expect(page.get_by_test_id("passkey-status")).to_have_text("Bound")
    await expect(passkey).to_contain_text("last used never")
    status, body = await root.json("GET", "/api/user/passkey")
    assert body["data"]["enabled"] is True, body

    # new backup codes need an app code; the old ones stop working
    await box.get_by_role("button", name="New backup codes").click()
    dialog = page.get_by_role("dialog", name="New backup codes")
    await field(dialog, "Authentication code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    await dialog.get_by_role("button", name="Make new codes").click()
    await expect(dialog.get_by_test_id("backup-codes").locator("code")).to_have_count(4)
    new_codes = [
        c.strip()
        for c in await dialog.get_by_test_id("backup-codes").locator("code").all_inner_texts()
    ]
    assert len(new_codes) == 4 and not set(new_codes) & set(codes)
    await page.keyboard.press("Escape")

    # turning it off: an old backup code is refused in place, a new one works
    await box.get_by_role("button", name="Turn off").click()
    dialog = page.get_by_role("dialog", name="Turn off two-factor authentication")
    await field(dialog, "Authentication code or backup code").fill(codes[2])
    await dialog.get_by_role("button", name="Turn off").click()
    await expect(dialog.get_by_role("alert")).to_be_visible()
    await field(dialog, "Authentication code or backup code").fill(new_codes[0])
    await dialog.get_by_role("button", name="Turn off").click()
    await expect(page.get_by_test_id("twofa-status")).to_have_text("Off")
    status, body = await root.json("GET", "/api/user/2fa/status")
    assert body["data"]["enabled"] is False, body

    # without 2FA, removing the passkey is confirmed with the passkey itself
    await passkey.get_by_role("button", name="Remove").click()
    await page.get_by_test_id("confirm-action").click()
    await expect(page.get_by_test_id("secure-verify")).to_contain_text(
        "Your browser asks for the passkey"
    )
    await page.get_by_role("button", name="Use my passkey").click()
    await expect(page.get_by_test_id("passkey-status")).to_have_text("Not bound")
    status, body = await root.json("GET", "/api/user/passkey")
    assert body["data"]["enabled"] is False, body
    tab.errors = [e for e in tab.errors if "403" not in e]  # the refused calls before verifying


@pytest.fixture
async def smtp(gateway: Gateway) -> AsyncIterator[FakeSmtp]:
    await gateway.setup_root()
    root = await gateway.login("root", ROOT_PASSWORD)
    async with FakeSmtp("plain", auth=False) as server:
        options = {
            "SMTPServer": "127.0.0.1",
            "SMTPPort": server.port,
            "SMTPFrom": "noreply@example.com",
        }
        for key, value in options.items():
            status, body = await root.json("PUT", "/api/option/", json={"key": key, "value": value})
            assert body["success"], (key, body)
        yield server


async def test_email_bind_and_notifications(gateway: Gateway, smtp: FakeSmtp, open_tab):
    await gateway.add_user("bob", USER_PASSWORD)
    tab, bob = await open_personal(gateway, open_tab, "bob", USER_PASSWORD)
    page = tab.page

    # bind an email with the mailed code (a wrong code first)
    await page.get_by_role("button", name="Bind an email").click()
    dialog = page.get_by_role("dialog", name="Bind an email address")
    await field(dialog, "Email address").fill("Bob@Example.com")
    await dialog.get_by_role("button", name="Send code").click()
    await expect(dialog.get_by_role("status")).to_contain_text("A code was sent to Bob@Example.com")
    (mail,) = await smtp.wait_for(1)
    assert mail.recipients == ["bob@example.com"]
    code = re.search(r"verification code is: ([0-9a-f]{6})\b", mail.text()).group(1)
    await expect(
        dialog.get_by_role("button", name=re.compile(r"Send again \(\d+ s\)"))
    ).to_be_disabled()
    await field(dialog, "Verification code").fill("000000")
    await dialog.get_by_role("button", name="Bind").click()
    await expect(dialog.get_by_role("alert")).to_contain_text("wrong or has expired")
    await field(dialog, "Verification code").fill(code)
    await dialog.get_by_role("button", name="Bind").click()
    await expect(page.get_by_test_id("personal-email")).to_have_text("bob@example.com")
    assert (await self_of(bob))["email"] == "bob@example.com"

    # notifications: a webhook, a threshold and the IP log switch, saved and read back
    box = page.get_by_test_id("section-notify")
    await box.get_by_text("Webhook", exact=True).click()
    await field(box, "Webhook URL").fill("https://hooks.example.com/claw")
    await field(box, "Webhook secret").fill("hook-secret")
    await field(box, "Warn below (quota)").fill("250000")
    record_ip = box.get_by_role("switch", name="Record IP addresses")
    await record_ip.focus()
    await record_ip.press("Space")
    await expect(box.get_by_role("switch", name="Upstream model updates")).to_have_count(0)
    await box.get_by_role("button", name="Save settings").click()
    await expect(page.get_by_text("Settings saved.")).to_be_visible()
    setting = json.loads((await self_of(bob))["setting"])
    assert (
        setting["notify_type"] == "webhook"
        and setting["webhook_url"] == "https://hooks.example.com/claw"
    )
    assert (
        setting["webhook_secret"] == "hook-secret" and setting["quota_warning_threshold"] == 250000
    )
    assert setting["record_ip_log"] is True and setting["accept_unset_model_ratio_model"] is False
    await page.reload()
    await settled(page)
    box = page.get_by_test_id("section-notify")
    await expect(field(box, "Webhook URL")).to_have_value("https://hooks.example.com/claw")
    await expect(field(box, "Warn below (quota)")).to_have_value("250,000")
    await expect(box.get_by_role("switch", name="Record IP addresses")).to_be_checked()

    # an address the server refuses is said in place, and nothing changes
    await field(box, "Webhook URL").fill("ftp://hooks.example.com/claw")
    await box.get_by_role("button", name="Save settings").click()
    await expect(box.get_by_role("alert")).to_contain_text("webhook_url must be an http(s) URL")
    setting = json.loads((await self_of(bob))["setting"])
    assert setting["webhook_url"] == "https://hooks.example.com/claw"


async def test_bind_oidc_through_the_redirect(gateway: Gateway, open_tab):
    await gateway.setup_root()
    root = await gateway.login("root", ROOT_PASSWORD)
    await gateway.add_user("carol", USER_PASSWORD)
    async with FakeOIDC() as idp:
        options = {
            "oidc.well_known": idp.well_known,
            "oidc.authorization_endpoint": idp.base_url + "/authorize",
            "oidc.client_id": CLIENT_ID,
            "oidc.client_secret": CLIENT_SECRET,
            "oidc.enabled": True,
        }
        for key, value in options.items():
            status, body = await root.json("PUT", "/api/option/", json={"key": key, "value": value})
            assert body["success"], (key, body)
        tab, carol = await open_personal(gateway, open_tab, "carol", USER_PASSWORD)
        page = tab.page
        row = page.get_by_test_id("binding-oidc")
        await expect(row).to_contain_text("Not bound")
        await expect(page.get_by_test_id("binding-github")).to_have_count(0)  # not enabled

        # the button sends the browser to the provider's authorization page with a state; the
        # provider (played here) sends it back to the console's callback page, which binds
        code = idp.authorize(
            {"sub": "sub-carol", "preferred_username": "carol", "email": "carol@idp.example"}
        )
        asked: list[dict[str, str]] = []

        async def provider(route) -> None:
            query = dict(parse_qsl(urlsplit(route.request.url).query))
            asked.append(query)
            back = f"{query['redirect_uri']}?code={code}&state={query['state']}"
            await route.fulfill(status=302, headers={"Location": back})

        await page.route(idp.base_url + "/authorize**", provider)
        async with page.expect_request(re.compile(r"/authorize\?")):
            await row.get_by_role("button", name="Bind OIDC").click()
        await expect(row).to_contain_text("sub-carol")  # after the callback page's redirect
        await expect(row).to_contain_text("Bound")
        await expect(page).to_have_url(re.compile(r"/console/personal$"))
        await settled(page)
        (query,) = asked
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        assert query["redirect_uri"] == gateway.base + "/oauth/oidc"
        assert query["scope"] == "openid profile email" and len(query["state"]) == 12
        assert (await self_of(carol))["oidc_id"] == "sub-carol"


async def test_chinese_dark_and_phone(gateway: Gateway, open_tab):
    await gateway.setup_root()
    tab, _ = await open_personal(
        gateway, open_tab, "root", ROOT_PASSWORD, locale="zh-CN", color_scheme="dark"
    )
    page = tab.page
    await page.evaluate("localStorage.setItem('lang', 'zh')")
    await page.reload()
    await settled(page)
    await expect(page.get_by_role("heading", name="个人设置")).to_be_visible()
    await expect(page.get_by_test_id("twofa-status")).to_have_text("未开启")
    # root cannot delete itself: the button is off and says why
    await expect(page.get_by_role("button", name="注销我的账户")).to_be_disabled()
    await expect(page.get_by_test_id("section-danger")).to_contain_text("超级管理员不能注销自己")
    await page.set_viewport_size({"width": 375, "height": 812})
    await expect(
        page.get_by_test_id("section-2fa").get_by_role("button", name="设置")
    ).to_be_visible()
    await tab.shoot("personal-zh-dark")
    await page.get_by_test_id("section-2fa").get_by_role("button", name="设置").click()
    await expect(
        page.get_by_role("dialog", name="设置两步验证").get_by_test_id("twofa-qr")
    ).to_be_visible()
    await tab.shoot("personal-2fa-zh-dark")
