"""The console's data pages in Chromium against a real gateway and a fake upstream: usage logs
(filters narrow the rows, the details drawer shows a known call's quota, the CSV export holds
the filtered rows), users (create, set the balance, disable), redemption codes (create three,
download them, one redeemed on the wallet page changes the balance), models (add and edit an
entry), the public pricing page logged out, and a common user kept out of the admin pages.
Screenshots at 1440×900 and 375×812 go to tests/artifacts/browser/."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from pathlib import Path

from playwright.async_api import expect

from clawrouter.db.repo import users as users_repo
from clawrouter.keys import LOG_DB, MAIN_DB, WRITER
from tests.support.gateway import Gateway
from tests.support.signin import PASSWORD, field, login
from tests.support.upstreams import FakeUpstream

UNIT = 500_000  # QuotaPerUnit: one dollar of quota


def _read(path: str, encoding: str) -> str:
    return Path(path).read_text(encoding=encoding)


async def downloaded(info, encoding: str = "utf-8") -> tuple[str, str]:
    """(suggested file name, text) of the download `info` caught."""
    download = await info.value
    text = await asyncio.to_thread(_read, str(await download.path()), encoding)
    return download.suggested_filename, text


async def chat(gateway: Gateway, key: str, model: str, stream: bool = False) -> None:
    body = {"model": model, "messages": [{"role": "user", "content": "hello there"}]}
    if stream:
        body["stream"] = True
    resp = await gateway.client().request(
        "POST", "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert resp.status == 200, await resp.text()


async def user_row(gateway: Gateway, username: str) -> dict:
    await gateway.app[WRITER].flush()
    row = await users_repo.get_user_by_username(gateway.app[MAIN_DB], username)
    assert row is not None
    return row


async def test_logs_filters_details_and_export(gateway: Gateway, upstream: FakeUpstream, open_tab):
    await gateway.setup_root()
    await gateway.add_channel(upstream.base_url, name="fake", models="gpt-4o-mini,gpt-3.5-turbo")
    alpha = await gateway.add_token(1, name="alpha")
    beta = await gateway.add_token(1, name="beta")
    for _ in range(3):
        await chat(gateway, alpha, "gpt-4o-mini")
    await chat(gateway, beta, "gpt-3.5-turbo")
    await chat(gateway, beta, "gpt-3.5-turbo", stream=True)
    await gateway.app[WRITER].flush()
    logs = await gateway.app[LOG_DB].fetchall("SELECT * FROM logs WHERE type = 2 ORDER BY id")
    assert len(logs) == 5 and all(r["quota"] > 0 for r in logs)

    tab = await login(gateway, open_tab)
    page = tab.page
    await page.get_by_role("link", name="Usage logs").click()
    await expect(page.get_by_role("heading", name="Usage logs")).to_be_visible()
    rows = page.get_by_test_id("log-details")
    await expect(rows).to_have_count(5)
    await expect(page.get_by_test_id("stat-rows")).to_have_text("5")
    await expect(page.get_by_test_id("stat-rpm")).to_have_text("5")  # all within the last minute
    await expect(page.get_by_role("columnheader", name="Channel")).to_be_visible()  # admin view
    await tab.shoot("logs")

    # the model filter narrows the rows (a "contains" search), the details show the quota
    await field(page, "Model").fill("4o-mini")
    await expect(rows).to_have_count(3)
    await expect(page.get_by_test_id("stat-rows")).to_have_text("3")
    newest = logs[2]  # the newest gpt-4o-mini call is the first row
    await rows.first.click()
    drawer = page.get_by_role("dialog", name="Log details")
    await expect(drawer).to_be_visible()
    await expect(drawer.get_by_test_id("detail-quota-units")).to_have_text(
        f"{newest['quota']:,} quota units"
    )
    await expect(drawer.get_by_text(newest["request_id"])).to_be_visible()
    await expect(drawer.get_by_test_id("detail-billing")).to_contain_text("Model ratio")
    await expect(drawer.get_by_test_id("detail-formula")).to_contain_text(f"= {newest['quota']:,}")
    await expect(drawer.get_by_test_id("detail-request")).to_contain_text("/v1/chat/completions")
    await tab.shoot("logs-details")
    await page.keyboard.press("Escape")
    await expect(drawer).to_be_hidden()

    # key name and type filters; then the CSV export holds exactly the filtered rows
    await field(page, "Model").fill("")
    await field(page, "Key name").fill("beta")
    await expect(rows).to_have_count(2)
    await page.get_by_role("combobox", name="Type").click()
    await page.get_by_role("option", name="Top-up", exact=True).click()
    await expect(page.get_by_text("No logs match these filters.")).to_be_visible()
    await page.get_by_role("combobox", name="Type").click()
    await page.get_by_role("option", name="Consume", exact=True).click()
    await expect(rows).to_have_count(2)
    async with page.expect_download() as info:
        await page.get_by_test_id("export-csv").click()
    name, text = await downloaded(info, "utf-8-sig")
    assert name.startswith("usage-logs-") and name.endswith(".csv"), name
    exported = list(csv.DictReader(io.StringIO(text)))
    assert [r["token_name"] for r in exported] == ["beta", "beta"]
    assert [r["stream"] for r in exported] == ["true", "false"]  # newest first
    assert sorted(int(r["quota"]) for r in exported) == sorted(r["quota"] for r in logs[3:])
    assert {r["request_id"] for r in exported} == {r["request_id"] for r in logs[3:]}
    await expect(page.get_by_test_id("export-note")).to_have_text("Exported 2 rows.")

    # an empty filter exports nothing and says so
    await field(page, "Key name").fill("nobody")
    await expect(page.get_by_text("No logs match these filters.")).to_be_visible()
    await page.get_by_test_id("export-csv").click()
    await expect(page.get_by_test_id("export-note")).to_contain_text("Nothing to export")


async def test_users_create_set_balance_and_disable(gateway: Gateway, open_tab):
    await gateway.setup_root()
    tab = await login(gateway, open_tab)
    page = tab.page
    await page.get_by_role("link", name="Users").click()
    await expect(page.get_by_role("heading", name="Users")).to_be_visible()
    table = page.get_by_role("table", name="Users")
    await expect(table.get_by_text("root", exact=True)).to_be_visible()

    await page.get_by_role("button", name="Create user").click()
    await field(page, "Username").fill("carol")
    await field(page, "Password").fill("carolpass123")
    await page.get_by_role("button", name="Create", exact=True).click()
    await expect(page.get_by_role("cell", name="carol", exact=True)).to_be_visible()
    carol = await user_row(gateway, "carol")
    assert carol["role"] == 1 and carol["status"] == 1

    # a search narrows the list
    await page.get_by_label("Search by name, email or ID").fill("car")
    await expect(table.get_by_text("root", exact=True)).to_have_count(0)
    await expect(page.get_by_role("cell", name="carol", exact=True)).to_be_visible()

    # set the balance to $5 (quota override)
    await page.get_by_role("button", name="Adjust the balance of carol").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_text("Set to", exact=True).click()
    await field(page, "Amount ($)").fill("5")
    await expect(dialog.get_by_test_id("quota-after")).to_have_text("Balance afterwards: $5")
    await tab.shoot("users-quota")
    await dialog.get_by_role("button", name="Apply").click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_role("cell", name="$5", exact=True)).to_be_visible()
    assert (await user_row(gateway, "carol"))["quota"] == 5 * UNIT

    # disable, after a confirmation
    await page.get_by_role("switch", name="Disable carol").focus()  # from the keyboard
    await page.keyboard.press("Space")
    await page.get_by_test_id("confirm-action").click()
    await expect(page.get_by_text("Disabled", exact=True)).to_be_visible()
    assert (await user_row(gateway, "carol"))["status"] == 2
    await page.get_by_label("Search by name, email or ID").fill("")
    await expect(table.get_by_text("root", exact=True)).to_be_visible()
    await tab.shoot("users")


async def test_redemption_codes_downloaded_and_redeemed(gateway: Gateway, open_tab):
    await gateway.setup_root()
    await gateway.add_user("bob", "bobpass1234")
    tab = await login(gateway, open_tab)
    page = tab.page
    await page.get_by_role("link", name="Redemption codes").click()
    await expect(page.get_by_text("Nothing here yet.")).to_be_visible()
    await page.get_by_role("button", name="Create codes").click()
    await field(page, "Name").fill("promo")
    await field(page, "Value of each code ($)").fill("2")
    await field(page, "How many").fill("3")
    await page.get_by_role("button", name="Create", exact=True).click()
    await expect(page.get_by_role("dialog", name="3 code(s) created")).to_be_visible()
    codes = (await page.get_by_test_id("new-codes").inner_text()).split()
    assert len(codes) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", c) for c in codes), codes
    async with page.expect_download() as info:
        await page.get_by_test_id("download-txt").click()
    name, txt = await downloaded(info)
    assert name.startswith("redemption-promo-") and name.endswith(".txt"), name
    assert txt.split() == codes
    async with page.expect_download() as info:
        await page.get_by_test_id("download-csv").click()
    _, text = await downloaded(info, "utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["code"] for r in rows] == codes
    assert {(r["name"], r["quota"], r["value"]) for r in rows} == {("promo", str(2 * UNIT), "$2")}
    await page.get_by_test_id("copy-codes").click()
    assert (await page.evaluate("navigator.clipboard.readText()")).split() == codes
    await tab.shoot("redemptions-created")
    await page.get_by_role("button", name="Close", exact=True).click()
    await expect(page.get_by_text("Unused", exact=True)).to_have_count(3)
    await tab.shoot("redemptions")

    # bob redeems one on the wallet page; his balance changes
    bob = await login(gateway, open_tab, "bob", "bobpass1234")
    await bob.page.get_by_role("link", name="Wallet").click()
    balance = bob.page.get_by_test_id("wallet-balance")
    await expect(balance).to_have_text("$0")
    await expect(bob.page.get_by_test_id("payments-off")).to_be_visible()
    await field(bob.page, "Redemption code").fill(codes[1])
    await bob.page.get_by_role("button", name="Redeem", exact=True).click()
    await expect(bob.page.get_by_test_id("redeem-done")).to_have_text("$2 added to your balance.")
    await expect(balance).to_have_text("$2")
    await expect(bob.page.get_by_role("cell", name="+$2", exact=True)).to_be_visible()  # credits
    assert (await user_row(gateway, "bob"))["quota"] == 2 * UNIT
    # the same code again: refused, in place
    await field(bob.page, "Redemption code").fill(codes[1])
    await bob.page.get_by_role("button", name="Redeem", exact=True).click()
    error = bob.page.get_by_role("alert", name="Something went wrong")
    await expect(error).to_contain_text("already been used")
    await expect(balance).to_have_text("$2")
    await bob.shoot("wallet")

    await page.reload()
    await expect(page.get_by_text("Used", exact=True)).to_have_count(1)
    await expect(page.get_by_text("Unused", exact=True)).to_have_count(2)


async def test_models_add_and_edit_an_entry(gateway: Gateway, upstream: FakeUpstream, open_tab):
    await gateway.setup_root()
    await gateway.add_channel(upstream.base_url, models="gpt-4o-mini,gpt-3.5-turbo")
    root = await gateway.login("root", PASSWORD)
    status, body = await root.json("POST", "/api/vendors/", json={"name": "OpenAI"})
    assert body["success"], body
    tab = await login(gateway, open_tab)
    page = tab.page
    await page.get_by_role("link", name="Models").click()
    await expect(page.get_by_role("heading", name="Models")).to_be_visible()

    # the served models without an entry, one added from there
    await page.get_by_role("button", name="Missing models").click()
    dialog = page.get_by_role("dialog", name="Models without metadata")
    await expect(dialog.get_by_text("gpt-3.5-turbo")).to_be_visible()
    await dialog.get_by_role("button", name="Add gpt-4o-mini").click()
    await expect(field(page, "Model name")).to_have_value("gpt-4o-mini")
    await field(page, "Description").fill("Small and fast")
    await page.get_by_role("dialog").get_by_role("combobox", name="Vendor").click()
    await page.get_by_role("option", name="OpenAI").click()
    await page.get_by_role("combobox", name="Tags").fill("cheap")
    await page.keyboard.press("Enter")
    await page.get_by_role("button", name="Create", exact=True).click()
    row = page.get_by_role("row").filter(has_text="gpt-4o-mini")
    await expect(row).to_contain_text("Small and fast")
    await expect(row).to_contain_text("OpenAI")
    await expect(row).to_contain_text("cheap")

    # edit it; a bad endpoints JSON is refused in place first
    await page.get_by_role("button", name="Edit gpt-4o-mini").click()
    await field(page, "Description").fill("Small, fast and cheap")
    await field(page, "Endpoints (JSON)").fill("{not json")
    await page.get_by_role("button", name="Save", exact=True).click()
    error = page.get_by_role("alert", name="Something went wrong")
    await expect(error).to_contain_text("not valid JSON")
    await field(page, "Endpoints (JSON)").fill("")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(row).to_contain_text("Small, fast and cheap")
    status, body = await root.json("GET", "/api/models/search?keyword=gpt-4o-mini")
    (entry,) = body["data"]["items"]
    assert entry["description"] == "Small, fast and cheap" and entry["tags"] == "cheap"
    await tab.shoot("models")
    await page.get_by_role("tab", name="Vendors").click()
    await expect(page.get_by_role("cell", name="OpenAI", exact=True)).to_be_visible()
    await tab.shoot("models-vendors")


async def test_pricing_logged_out(gateway: Gateway, upstream: FakeUpstream, open_tab):
    await gateway.setup_root()
    await gateway.add_channel(upstream.base_url, models="gpt-4o-mini")
    tab = await open_tab(gateway.base)
    page = tab.page
    await tab.goto("/pricing")
    await expect(page.get_by_role("heading", name="Pricing")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="gpt-4o-mini")
    await expect(row.get_by_test_id("price-input")).to_have_text("$0.15")  # per 1M tokens
    await expect(row.get_by_test_id("price-output")).to_have_text("$0.6")
    await expect(page.get_by_test_id("pricing-note")).to_contain_text("default group")
    await tab.shoot("pricing")
    await page.get_by_text("1K", exact=True).click()
    await expect(row.get_by_test_id("price-input")).to_have_text("$0.00015")
    await page.get_by_label("Search models").fill("claude")
    await expect(page.get_by_text("No model matches these filters.")).to_be_visible()


async def test_common_user_kept_out_of_admin_pages(gateway: Gateway, upstream: FakeUpstream,
                                                   open_tab):  # fmt: skip
    await gateway.setup_root()
    await gateway.add_channel(upstream.base_url, models="gpt-4o-mini")
    uid = await gateway.add_user("alice", "alicepass123", quota=10 * UNIT)
    await chat(gateway, await gateway.add_token(uid, name="mine"), "gpt-4o-mini")
    await chat(gateway, await gateway.add_token(1, name="roots"), "gpt-4o-mini")
    await gateway.app[WRITER].flush()
    tab = await login(gateway, open_tab, "alice", "alicepass123", color_scheme="dark")
    page = tab.page
    await page.get_by_test_id("language-menu").click()
    await page.get_by_role("menuitem", name="中文").click()
    for path in ("/console/user", "/console/redemption", "/console/models"):
        await tab.goto(path)
        await expect(page.get_by_test_id("forbidden")).to_be_visible()
    # her own logs only, without the admin columns, in Chinese and dark
    await tab.goto("/console/log")
    await expect(page.get_by_role("heading", name="使用日志")).to_be_visible()
    await expect(page.get_by_test_id("log-details")).to_have_count(1)
    await expect(page.get_by_role("cell", name="mine", exact=True)).to_be_visible()
    await expect(page.get_by_role("columnheader", name="渠道")).to_have_count(0)
    await expect(page.get_by_label("用户名", exact=True)).to_have_count(0)
    await page.get_by_test_id("log-details").click()
    await expect(page.get_by_text("仅管理员可见")).to_have_count(0)  # admin_info is not hers
    await page.keyboard.press("Escape")
    await tab.shoot("logs-user-dark-zh")
    await tab.goto("/console/topup")
    await expect(page.get_by_test_id("payments-off")).to_be_visible()
    await expect(page.get_by_test_id("invite-link")).to_contain_text("/register?aff=")
    await tab.shoot("wallet-dark-zh")
