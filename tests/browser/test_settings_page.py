"""The system settings page and the home page's panels in Chromium against a real gateway: root
changes a text option, a switch and a ratio map (bad JSON refused in place before any request;
good JSON saved and read back through the API), writes a secret that is never echoed, sees the
server's refusal under its field, deletes old logs; a common user and an admin are kept out;
the console home shows the API info, announcements, FAQ and Uptime Kuma panels and the notice
once their options are set; the public home page shows HomePageContent. Screenshots at
1440×900 and 375×812, English and Chinese, go to tests/artifacts/browser/."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import expect

from clawrouter.keys import LOG_DB, OPTIONS, WRITER
from tests.support.gateway import Client, Gateway
from tests.support.signin import PASSWORD, field, login
from tests.support.upstreams import FakeUpstream

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"


async def save(region, name: str) -> None:
    """Click a section's Save and wait for its PUT to be answered (the button is disabled while
    it saves, so its state alone cannot tell that the store has the value)."""
    page = region.page
    async with page.expect_response(
        lambda r: r.request.method == "PUT" and "/api/option/" in r.url
    ):
        await region.get_by_role("button", name=name).click()
    await expect(region.get_by_role("button", name=name)).to_be_disabled()


async def options_of(client: Client) -> dict[str, str]:
    status, body = await client.json("GET", "/api/option/")
    assert status == 200 and body["success"], body
    return {o["key"]: o["value"] for o in body["data"]}


async def set_option(client: Client, key: str, value) -> None:
    status, body = await client.json("PUT", "/api/option/", json={"key": key, "value": value})
    assert status == 200 and body["success"], body


@pytest.fixture
async def uptime_kuma() -> AsyncIterator[str]:
    """An Uptime Kuma status page "main" with two monitors (its public JSON API)."""

    async def page(request: web.Request) -> web.Response:
        return web.json_response({"publicGroupList": [{"name": "Core", "monitorList": [
            {"id": 1, "name": "Relay API"}, {"id": 2, "name": "Dashboard"}]}]})  # fmt: skip

    async def beats(request: web.Request) -> web.Response:
        return web.json_response({
            "heartbeatList": {"1": [{"status": 0}, {"status": 1}], "2": [{"status": 0}]},
            "uptimeList": {"1_24": 0.9975, "2_24": 0.5},
        })  # fmt: skip

    app = web.Application()
    app.router.add_get("/api/status-page/main", page)
    app.router.add_get("/api/status-page/heartbeat/main", beats)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


async def test_root_edits_text_switch_ratio_and_secret(gateway: Gateway, open_tab):
    await gateway.setup_root()
    root = await gateway.login("root", PASSWORD)
    tab = await login(gateway, open_tab)
    page = tab.page
    puts: list[str] = []
    page.on("request", lambda r: r.method == "PUT" and "/api/option/" in r.url
            and puts.append(r.post_data or ""))  # fmt: skip
    await page.get_by_role("navigation").get_by_role("link", name="System settings").click()
    await expect(page.get_by_role("heading", name="System settings")).to_be_visible()
    await tab.shoot("settings-operation")

    # a text option (Other → Site): saved alone, read back, and the header shows it at once
    await page.get_by_role("tab", name="Other").click()
    site = page.get_by_role("region", name="Site")
    await field(site, "System name").fill("Claw Test")
    await expect(site.get_by_text("1 unsaved")).to_be_visible()
    await site.get_by_role("button", name="Save Site").click()
    await expect(site.get_by_text("1 unsaved")).to_be_hidden()
    assert (await options_of(root))["SystemName"] == "Claw Test"
    assert [json.loads(p)["key"] for p in puts] == ["SystemName"]  # only the changed key
    await expect(page.get_by_role("banner").get_by_text("Claw Test")).to_be_visible()

    # a switch (Operation → Logs)
    await page.get_by_role("tab", name="Operation").click()
    logs = page.get_by_role("region", name="Logs")
    await logs.get_by_label("Record error logs").check()
    await save(logs, "Save Logs")
    assert (await options_of(root))["ErrorLogEnabled"] == "true"
    assert json.loads(puts[-1]) == {"key": "ErrorLogEnabled", "value": True}

    # a ratio map: broken JSON is refused in place, before any request
    await page.get_by_role("tab", name="Ratios").click()
    groups = page.get_by_role("region", name="Groups")
    ratio = field(groups, "Group ratio")
    sent = len(puts)
    await ratio.fill('{"default": 1,\n "vip": }')
    await expect(groups.get_by_text(re.compile(r"^Line 2, column \d+: "))).to_be_visible()
    await groups.get_by_role("button", name="Save Groups").click()
    await expect(
        groups.get_by_text("Fix the marked fields first; nothing was sent.")
    ).to_be_visible()
    await ratio.fill('{"default": 1, "vip": -2}')
    await expect(
        groups.get_by_text('Line 1: the value for "vip" must be a number ≥ 0.')
    ).to_be_visible()
    await tab.shoot("settings-ratio-invalid")
    await groups.get_by_role("button", name="Save Groups").click()
    assert len(puts) == sent
    assert json.loads((await options_of(root))["GroupRatio"]) == {"default": 1, "vip": 1, "svip": 1}
    await ratio.fill('{"default": 1, "vip": 0.5, "svip": 2}')
    await save(groups, "Save Groups")
    stored = json.loads((await options_of(root))["GroupRatio"])
    assert stored == {"default": 1, "vip": 0.5, "svip": 2}
    assert len(puts) == sent + 1

    # a secret is write-only: saved, never listed, never put back into the page
    await page.get_by_role("tab", name="System").click()
    smtp = page.get_by_role("region", name="SMTP")
    await field(smtp, "Password or token").fill("smtp-secret-9f3a")
    await save(smtp, "Save SMTP")
    assert gateway.app[OPTIONS].raw()["SMTPToken"] == "smtp-secret-9f3a"
    status, body = await root.json("GET", "/api/option/")
    assert "smtp-secret-9f3a" not in json.dumps(body) and "SMTPToken" not in json.dumps(body)
    await page.reload()
    await page.get_by_role("tab", name="System").click()
    await expect(field(page.get_by_role("region", name="SMTP"), "Password or token")).to_have_value(
        ""
    )
    assert "smtp-secret-9f3a" not in await page.content()

    # the server's refusal is shown under its field (GitHub needs its client id first)
    github = page.get_by_role("region", name="GitHub OAuth")
    await github.get_by_label("Log in with GitHub").check()
    await github.get_by_role("button", name="Save GitHub OAuth").click()
    await expect(
        github.get_by_text(re.compile("set GitHubClientId, GitHubClientSecret"))
    ).to_be_visible()
    await expect(github.get_by_text(re.compile("Some options were not saved"))).to_be_visible()
    assert (await options_of(root))["GitHubOAuthEnabled"] == "false"
    await tab.shoot("settings-system-refused")


async def test_log_cleanup_and_model_ratio_reset(
    gateway: Gateway, upstream: FakeUpstream, open_tab
):
    await gateway.setup_root()
    root = await gateway.login("root", PASSWORD)
    await gateway.add_channel(upstream.base_url, models="gpt-4o-mini")
    key = await gateway.add_token(1)
    for _ in range(3):
        resp = await gateway.client().request("POST", "/v1/chat/completions", headers={
            "Authorization": f"Bearer {key}"}, json={"model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "hi"}]})  # fmt: skip
        assert resp.status == 200, await resp.text()
    await gateway.app[WRITER].flush()
    db = gateway.app[LOG_DB]
    ids = [r["id"] for r in await db.fetchall("SELECT id FROM logs ORDER BY id")]
    assert len(ids) >= 3
    old = ids[:2]  # two calls made 40 days ago: older than the default cut-off (30 days)
    await db.execute(f"UPDATE logs SET created_at = created_at - 40 * 86400 WHERE id IN ({old[0]}, {old[1]})")  # fmt: skip

    tab = await login(gateway, open_tab)
    page = tab.page
    await tab.goto("/console/setting")
    logs = page.get_by_role("region", name="Logs")
    await logs.get_by_role("button", name="Delete logs").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_text(re.compile("Delete every log written before"))).to_be_visible()
    await dialog.get_by_role("button", name="Delete logs").click()
    await expect(logs.get_by_test_id("cleanup-result")).to_have_text("Deleted 2 log(s).")
    left = [r["id"] for r in await db.fetchall("SELECT id FROM logs ORDER BY id")]
    assert left == ids[2:]

    # reset ModelRatio to the built-in table
    await set_option(root, "ModelRatio", {"my-model": 3})
    await page.reload()
    await page.get_by_role("tab", name="Ratios").click()
    prices = page.get_by_role("region", name="Model prices")
    await expect(field(prices, "Model ratio (1 = $2 per 1M input tokens)")).to_have_value(
        re.compile("my-model")
    )
    await prices.get_by_role("button", name="Reset model ratios").click()
    await page.get_by_role("dialog").get_by_role("button", name="Reset model ratios").click()
    await expect(field(prices, "Model ratio (1 = $2 per 1M input tokens)")).to_have_value(
        re.compile("gpt-4o-mini")
    )
    ratios = json.loads((await options_of(root))["ModelRatio"])
    assert "my-model" not in ratios and "gpt-4o-mini" in ratios

    # an older console's FAQ option is moved into console_setting.faq, then the tool goes away
    await set_option(root, "FAQ", json.dumps([{"title": "Old question", "content": "Old answer"}]))
    await page.reload()
    await page.get_by_role("tab", name="Dashboard").click()
    legacy = page.get_by_role("region", name="Legacy console settings")
    await legacy.get_by_role("button", name="Move legacy settings").click()
    await page.get_by_role("dialog").get_by_role("button", name="Move legacy settings").click()
    await expect(legacy).to_have_count(0)
    moved = await options_of(root)
    assert json.loads(moved["console_setting.faq"]) == [
        {"question": "Old question", "answer": "Old answer"}
    ]
    assert not moved.get("FAQ")


async def test_common_user_and_admin_are_kept_out(gateway: Gateway, open_tab):
    await gateway.setup_root()
    await gateway.add_user("alice", "alicepass123")
    await gateway.add_user("boss", "bosspass123", role=10)
    for name, password in (("alice", "alicepass123"), ("boss", "bosspass123")):
        tab = await login(gateway, open_tab, name, password)
        page = tab.page
        await expect(page.get_by_role("navigation").get_by_role("link", name="System settings")).to_have_count(0)  # fmt: skip
        await tab.goto("/console/setting")
        await expect(page.get_by_test_id("forbidden")).to_contain_text("This page is for the root user only.")  # fmt: skip
        await expect(page.get_by_role("tab")).to_have_count(0)
    await tab.shoot("settings-admin-kept-out")
    status, body = await (await gateway.login("boss", "bosspass123")).json("GET", "/api/option/")
    assert status == 403 or not body["success"]


async def test_panels_notice_and_home_page(gateway: Gateway, open_tab, uptime_kuma: str):
    await gateway.setup_root()
    root = await gateway.login("root", PASSWORD)
    tab = await login(gateway, open_tab)
    page = tab.page
    await expect(page.get_by_test_id("panel-api-info")).to_have_count(0)  # nothing set yet

    # API info set through the settings page
    await tab.goto("/console/setting?tab=dashboard")
    info = page.get_by_role("region", name="API info")
    await expect(info).to_be_visible()
    await expect(page.get_by_role("region", name="Legacy console settings")).to_have_count(0)
    entries = [{"url": "https://api.example.com", "route": "Main", "description": "Closest to you",
                "color": "teal"}]  # fmt: skip
    await field(info, 'Entries: [{"url", "route", "description", "color"}]').fill(
        json.dumps(entries)
    )
    await save(info, "Save API info")

    # the others through the API
    await set_option(root, "console_setting.announcements", [
        {"content": "**Maintenance** tonight", "publishDate": "2026-01-02T10:00:00Z", "type": "warning"},
        {"content": "New models added", "publishDate": "2026-02-01T10:00:00Z", "type": "success"},
    ])  # fmt: skip
    await set_option(root, "console_setting.faq", [{"question": "How do I pay?", "answer": "Use the *wallet* page."}])  # fmt: skip
    await set_option(root, "console_setting.uptime_kuma_groups", [
        {"categoryName": "Gateway", "url": uptime_kuma, "slug": "main", "description": ""}])  # fmt: skip
    await set_option(root, "Notice", "# Welcome\n\nRead the [docs](https://example.com/docs).")

    await tab.goto("/console")
    notice = page.get_by_role("dialog", name="Notice")
    await expect(notice.get_by_role("heading", name="Welcome")).to_be_visible()
    await expect(notice.get_by_role("link", name="docs")).to_have_attribute("href", "https://example.com/docs")  # fmt: skip
    await notice.get_by_role("button", name="Do not show again today").click()
    await expect(notice).to_be_hidden()
    api_info = page.get_by_test_id("panel-api-info")
    await expect(api_info.get_by_text("https://api.example.com")).to_be_visible()
    await expect(api_info.get_by_text("Closest to you")).to_be_visible()
    news = page.get_by_test_id("panel-announcements")
    await expect(news.locator("strong", has_text="Maintenance")).to_be_visible()
    assert (await news.inner_text()).index("New models added") < (await news.inner_text()).index("tonight")  # fmt: skip
    faq = page.get_by_test_id("panel-faq")
    await faq.get_by_role("button", name="How do I pay?").click()
    await expect(faq.locator("em", has_text="wallet")).to_be_visible()
    uptime = page.get_by_test_id("panel-uptime")
    await expect(uptime.get_by_role("tab", name="Gateway")).to_be_visible()
    await expect(uptime.get_by_text("Relay API")).to_be_visible()
    await expect(uptime.get_by_text("99.75% in 24 h")).to_be_visible()
    await expect(uptime.get_by_text("Down")).to_be_visible()
    await page.get_by_test_id("panel-faq").scroll_into_view_if_needed()
    await tab.shoot("home-panels")
    await page.set_viewport_size({"width": 375, "height": 812})  # the panels on a phone
    await page.get_by_test_id("panel-announcements").scroll_into_view_if_needed()
    await page.screenshot(path=str(ARTIFACTS / "home-panels-phone-375x812.png"))
    await page.set_viewport_size({"width": 1440, "height": 900})
    await page.reload()  # closed for today: no popup again
    await expect(page.get_by_test_id("panel-faq")).to_be_visible()
    await expect(page.get_by_role("dialog", name="Notice")).to_have_count(0)

    # a panel switched off disappears
    await set_option(root, "console_setting.faq_enabled", False)
    await page.reload()
    await expect(page.get_by_test_id("panel-api-info")).to_be_visible()
    await expect(page.get_by_test_id("panel-faq")).to_have_count(0)

    # the public home page: Markdown, then a URL in a frame; empty goes on to the console
    await tab.goto("/")
    await expect(page).to_have_url(re.compile(r"/console$"))
    await set_option(root, "HomePageContent", "# Claw home\n\n- fast\n- cheap")
    visitor = await open_tab(gateway.base, locale="zh-CN", color_scheme="dark")
    await visitor.goto("/")
    home = visitor.page.get_by_test_id("home-content")
    await expect(home.get_by_role("heading", name="Claw home")).to_be_visible()
    await expect(home.get_by_role("listitem")).to_have_count(2)
    await expect(visitor.page.get_by_role("link", name="登录")).to_be_visible()
    await expect(
        visitor.page.get_by_role("dialog", name="系统公告")
    ).to_be_visible()  # not closed here
    await visitor.shoot("home-public-zh")
    await visitor.page.get_by_role("button", name="关闭", exact=True).click()
    await set_option(root, "HomePageContent", f"{gateway.base}/api/about")
    await tab.goto("/")
    await expect(page.get_by_test_id("home-frame")).to_have_attribute(
        "src", f"{gateway.base}/api/about"
    )
    await expect(page.get_by_role("link", name="Console")).to_be_visible()


async def test_settings_in_chinese_on_a_phone(gateway: Gateway, open_tab):
    await gateway.setup_root()
    tab = await open_tab(gateway.base, locale="zh-CN", color_scheme="dark")
    await tab.goto("/login")
    await field(tab.page, "用户名或邮箱").fill("root")
    await field(tab.page, "密码").fill(PASSWORD)
    await tab.page.get_by_role("button", name="登录", exact=True).click()
    await expect(tab.page).to_have_url(re.compile(r"/console$"))
    await tab.goto("/console/setting?tab=ratio")
    page = tab.page
    await expect(page.get_by_role("heading", name="系统设置")).to_be_visible()
    await expect(page.get_by_role("tab", name="倍率设置")).to_have_attribute(
        "aria-selected", "true"
    )
    groups = page.get_by_role("region", name="分组倍率")
    await field(groups, "分组倍率").fill("{oops")
    await expect(groups.get_by_text(re.compile(r"^第 1 行第 \d+ 列："))).to_be_visible()
    await tab.shoot("settings-ratio-zh-dark")
    await page.set_viewport_size({"width": 375, "height": 812})
    await page.get_by_role("tab", name="系统设置").click()
    await expect(page.get_by_role("region", name="SMTP 邮箱")).to_be_visible()
    await tab.shoot("settings-system-zh-dark")


@pytest.fixture
async def other_gateway() -> AsyncIterator[str]:
    """Another instance's public /api/ratio_config."""

    async def ratio_config(request: web.Request) -> web.Response:
        data = {"model_ratio": {"gpt-4o-mini": 0.2, "brand-new-model": 2}}
        return web.json_response({"success": True, "message": "", "data": data})

    app = web.Application()
    app.router.add_get("/api/ratio_config", ratio_config)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


async def test_upstream_ratio_sync(gateway: Gateway, open_tab, other_gateway: str):
    await gateway.setup_root()
    root = await gateway.login("root", PASSWORD)
    before = json.loads((await options_of(root))["ModelRatio"])
    assert before["gpt-4o-mini"] != 0.2 and "brand-new-model" not in before
    tab = await login(gateway, open_tab)
    page = tab.page
    await tab.goto("/console/setting?tab=ratio")
    sync = page.get_by_role("region", name="Upstream ratio sync")
    await sync.get_by_role("button", name="Compare with upstreams").click()
    dialog = page.get_by_role("dialog", name="Upstream ratio sync")
    await field(dialog, "Another gateway’s address").fill(other_gateway)
    await expect(field(dialog, "Its endpoint")).to_have_value("/api/ratio_config")
    await dialog.get_by_role("button", name="Fetch and compare").click()
    table = dialog.get_by_test_id("sync-differences")
    await expect(table.get_by_role("row")).to_have_count(3)  # the header and two models
    await dialog.get_by_label("Use 0.2 for gpt-4o-mini in ModelRatio").check()
    await tab.shoot("settings-ratio-sync")
    await dialog.get_by_role("button", name="Apply 1 chosen value(s)").click()
    await expect(dialog).to_be_hidden()
    after = json.loads((await options_of(root))["ModelRatio"])
    assert after["gpt-4o-mini"] == 0.2 and "brand-new-model" not in after
    assert {k: v for k, v in after.items() if k != "gpt-4o-mini"} == {
        k: v for k, v in before.items() if k != "gpt-4o-mini"
    }
    prices = page.get_by_role("region", name="Model prices")
    await expect(field(prices, "Model ratio (1 = $2 per 1M input tokens)")).to_have_value(
        re.compile(r'"gpt-4o-mini": 0\.2')
    )


async def test_fetch_settings_in_the_system_tab(gateway: Gateway, open_tab):
    """The SSRF protection section (fetch_setting.*): a switch and a port list saved; a port
    the server refuses is said under its field and nothing of it is stored."""
    await gateway.setup_root()
    root = await gateway.login("root", PASSWORD)
    tab = await login(gateway, open_tab)
    page = tab.page
    await tab.goto("/console/setting?tab=system")
    ssrf = page.get_by_role("region", name="SSRF protection (URLs users set)")
    await expect(ssrf.get_by_label("Enable SSRF protection")).to_be_checked()
    await expect(ssrf.get_by_label("Allow private and loopback addresses")).not_to_be_checked()
    ports = field(ssrf, 'Allowed ports ([] allows every port): ["80", "443", "8000-9000"]')
    await ports.fill('["80", "99999"]')
    await ssrf.get_by_role("button", name="Save SSRF protection (URLs users set)").click()
    await expect(ssrf.get_by_text(re.compile("ports must be 1-65535"))).to_be_visible()
    assert json.loads((await options_of(root))["fetch_setting.allowed_ports"]) == [
        "80", "443", "8080", "8443"
    ]  # fmt: skip
    await tab.shoot("settings-system-ssrf-refused")
    await ports.fill('["443", "8000-9000"]')
    await ssrf.get_by_label("Allow private and loopback addresses").check()
    await expect(ssrf.get_by_text("2 unsaved")).to_be_visible()
    await ssrf.get_by_role("button", name="Save SSRF protection (URLs users set)").click()
    await expect(ssrf.get_by_text(re.compile(r"\d+ unsaved"))).to_have_count(0)  # all answered
    stored = await options_of(root)
    assert json.loads(stored["fetch_setting.allowed_ports"]) == ["443", "8000-9000"]
    assert stored["fetch_setting.allow_private_ip"] == "true"
