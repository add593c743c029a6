"""The sign-in pages in Chromium against the real gateway: registration with an email code read
from a real SMTP server (and an invite link), then a login; registration switched off, in
Chinese and dark; the 2FA step with a code, a wrong code and a backup code; a passkey login with
Chromium's virtual authenticator; password reset from the mail to the new password. (Outside
accounts and Turnstile: test_auth_providers.py.)"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import expect

from clawrouter.config import Config
from clawrouter.keys import MAIN_DB
from tests.support.gateway import Client, Gateway
from tests.support.signin import (
    REGISTER_PASSKEY,
    field,
    logged_in_as,
    password_login,
    set_options,
    settled,
    watch_external,
)
from tests.support.smtp import FakeSmtp
from tests.support.twofa import ClockGateway, enroll

PASSWORD = "rootpass123"


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
