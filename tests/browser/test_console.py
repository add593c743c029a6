"""The dashboard end to end in Chromium: first-run setup, login, an API key made and copied in
the UI, the playground streaming an answer through /pg/chat/completions, the home charts drawn
from that call; a common user sees no admin pages; language, colour scheme and the phone
layout. Screenshots of every page visited go to tests/artifacts/browser/."""

from __future__ import annotations

import re

from playwright.async_api import expect

from clawrouter.keys import WRITER
from tests.support.gateway import Gateway
from tests.support.signin import field
from tests.support.upstreams import FakeUpstream

PASSWORD = "rootpass123"


async def _login(tab, username: str, password: str) -> None:
    await field(tab.page, "Username or email").fill(username)
    await field(tab.page, "Password").fill(password)
    await tab.page.get_by_role("button", name="Log in", exact=True).click()
    await expect(tab.page).to_have_url(re.compile(r"/console$"))


async def test_setup_login_key_playground_and_charts(
    gateway: Gateway, upstream: FakeUpstream, open_tab
):
    tab = await open_tab(gateway.base)
    page = tab.page
    await tab.goto("/console/token")  # not set up yet: every route goes to /setup
    await expect(page).to_have_url(re.compile(r"/setup$"))
    await expect(page.get_by_role("heading", name="Welcome to ClawRouter")).to_be_visible()
    await tab.shoot("setup")
    await field(page, "Password").fill(PASSWORD)
    await field(page, "Repeat the password").fill(PASSWORD)
    await page.get_by_role("button", name="Create the root account").click()
    await expect(page).to_have_url(re.compile(r"/login$"))
    await tab.shoot("login")
    await _login(tab, "root", PASSWORD)

    # a channel through the management API (its page is built separately)
    root = await gateway.login("root", PASSWORD)
    channel = {"type": 1, "name": "fake", "key": "sk-upstream", "base_url": upstream.base_url,
               "models": "gpt-4o-mini", "group": "default"}  # fmt: skip
    status, body = await root.json(
        "POST", "/api/channel/", json={"mode": "single", "channel": channel}
    )
    assert status == 200 and body["success"], body

    # an API key made in the UI, copied once
    await page.get_by_role("link", name="API keys").click()
    await expect(page.get_by_role("heading", name="API keys")).to_be_visible()
    await expect(page.get_by_text("Nothing here yet.")).to_be_visible()
    await page.get_by_role("button", name="Create key").click()
    await field(page, "Name").fill("browser-key")
    await page.get_by_role("button", name="Create", exact=True).click()
    key = (await page.get_by_test_id("new-key").inner_text()).strip()
    assert re.fullmatch(r"sk-[A-Za-z0-9]{48}", key), key
    await page.get_by_test_id("copy-new-key").click()
    assert await page.evaluate("navigator.clipboard.readText()") == key
    await tab.shoot("key-created")
    await page.get_by_role("button", name="Close", exact=True).click()
    await expect(page.get_by_role("cell", name="browser-key", exact=True)).to_be_visible()
    await tab.shoot("tokens")
    resp = await gateway.client().request(
        "GET", "/v1/models", headers={"Authorization": f"Bearer {key}"}
    )
    assert resp.status == 200 and "gpt-4o-mini" in await resp.text()

    # the playground streams an answer with the session
    await page.get_by_role("link", name="Playground").click()
    await expect(page.get_by_test_id("pg-model")).to_have_value("gpt-4o-mini")
    await page.get_by_test_id("pg-input").fill("Say hello")
    await page.get_by_test_id("pg-send").click()
    answer = page.get_by_test_id("pg-answer")
    await expect(answer).not_to_be_empty()
    await expect(page.get_by_test_id("pg-send")).to_be_visible()  # the stream has ended
    assert upstream.requests[-1].json["stream"] is True
    await expect(page.get_by_role("alert")).to_have_count(0)
    await tab.shoot("playground")

    # the home page: that call in the stat cards and the charts
    await gateway.app[WRITER].flush()
    await page.get_by_role("link", name="Dashboard").click()
    await expect(page.get_by_test_id("stat-calls")).to_have_text("1")
    await expect(page.get_by_test_id("stat-requests")).to_have_text("1")
    await expect(page.get_by_test_id("chart")).to_have_count(6)  # admin: 4 + 2 per user
    await tab.shoot("home")


async def test_common_user_sees_no_admin_pages(gateway: Gateway, open_tab):
    await gateway.setup_root()
    await gateway.add_user("alice", "alicepass123")
    tab = await open_tab(gateway.base)
    page = tab.page
    await tab.goto("/console/channel")  # not logged in: login first, then back here
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await field(page, "Username or email").fill("alice")
    await field(page, "Password").fill("alicepass123")
    await page.get_by_role("button", name="Log in", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/console/channel$"))
    await expect(page.get_by_test_id("forbidden")).to_be_visible()
    nav = page.get_by_role("navigation")
    for name in ("Dashboard", "API keys", "Usage logs", "Wallet", "Playground"):
        await expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    for name in ("Channels", "Users", "Redemption codes", "Models", "System settings"):
        await expect(nav.get_by_role("link", name=name, exact=True)).to_have_count(0)
    await tab.shoot("user-forbidden")
    for path in ("/console/user", "/console/setting", "/console/redemption", "/console/models"):
        await tab.goto(path)
        await expect(page.get_by_test_id("forbidden")).to_be_visible()
    await tab.goto("/console")
    await expect(page.get_by_test_id("chart")).to_have_count(0)  # no calls yet, no admin charts
    await expect(page.get_by_text("No calls in this range yet.").first).to_be_visible()
    await tab.shoot("user-home")
    await tab.goto("/console/personal")  # the page itself: tests/browser/test_personal_page.py
    await expect(page.get_by_test_id("section-profile")).to_be_visible()


async def test_language_theme_phone_layout_and_expired_session(gateway: Gateway, open_tab):
    await gateway.setup_root()
    tab = await open_tab(gateway.base, locale="zh-CN", color_scheme="dark")
    page = tab.page
    await tab.goto("/login")
    await expect(page.get_by_role("heading", name="登录")).to_be_visible()  # from the browser
    assert await page.evaluate("document.documentElement.dataset.mantineColorScheme") == "dark"
    await page.get_by_test_id("language-menu").click()
    await page.get_by_role("menuitem", name="English").click()
    await expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    await page.get_by_test_id("theme-menu").click()
    await page.get_by_role("menuitem", name="Light").click()
    await page.reload()  # both choices are kept
    await expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert await page.evaluate("document.documentElement.dataset.mantineColorScheme") == "light"
    await _login(tab, "root", PASSWORD)

    # 375 px: the sidebar is a drawer behind the burger, and usable from the keyboard
    await page.set_viewport_size({"width": 375, "height": 812})
    keys_link = page.get_by_role("link", name="API keys")
    await expect(keys_link).not_to_be_in_viewport()
    await page.get_by_test_id("nav-burger").click()
    await expect(keys_link).to_be_in_viewport()
    await keys_link.focus()
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/console/token$"))
    await expect(keys_link).not_to_be_in_viewport()
    await expect(page.get_by_text("Nothing here yet.")).to_be_visible()
    await tab.shoot("tokens-empty")

    # the session ends on the server: the next API call returns to login, keeping the route
    await page.set_viewport_size({"width": 1440, "height": 900})
    await page.context.clear_cookies()
    await page.get_by_role("link", name="Dashboard").click()
    await expect(page).to_have_url(re.compile(r"/login\?expired=true&next=%2Fconsole"))
    tab.errors = [e for e in tab.errors if "401" not in e]  # the refused call, expected
    await _login(tab, "root", PASSWORD)
