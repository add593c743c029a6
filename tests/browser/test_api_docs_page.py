"""The API reference page (/console/api-docs) in Chromium: in the sidebar for the root user,
every operation of the served OpenAPI document listed by tag, one opened to its request body
and answers, the filter; a common user opens it by URL but has no sidebar entry."""

from __future__ import annotations

import re

from playwright.async_api import expect

from clawrouter.openapi import build_document
from tests.support.gateway import Gateway
from tests.support.signin import field

PASSWORD = "rootpass123"


async def _login(tab, username: str, password: str) -> None:
    await tab.goto("/login")
    await field(tab.page, "Username or email").fill(username)
    await field(tab.page, "Password").fill(password)
    await tab.page.get_by_role("button", name="Log in", exact=True).click()
    await expect(tab.page).to_have_url(re.compile(r"/console$"))


async def test_api_reference_page(gateway: Gateway, open_tab):
    await gateway.setup_root()
    operations = sum(len(ops) for ops in build_document(gateway.app)["paths"].values())
    tab = await open_tab(gateway.base)
    page = tab.page
    await _login(tab, "root", PASSWORD)
    await page.get_by_role("link", name="API reference").click()
    await expect(page).to_have_url(re.compile(r"/console/api-docs$"))
    await expect(page.get_by_role("heading", name="API reference")).to_be_visible()
    await expect(page.get_by_test_id("operation-count")).to_contain_text(f"{operations} operations")
    await expect(page.get_by_test_id("tag-token")).to_be_visible()
    await expect(page.get_by_test_id("tag-relay")).to_be_visible()

    await page.get_by_role("textbox", name="Filter by path, summary or tag").fill("/api/token/")
    await expect(page.get_by_test_id("tag-relay")).to_have_count(0)
    await page.get_by_role("button", name="post /api/token/", exact=True).click()
    panel = page.get_by_test_id("tag-token")
    await expect(panel.get_by_text("Request body")).to_be_visible()
    await expect(panel.get_by_text("unlimited_quota").first).to_be_visible()
    await expect(panel.get_by_test_id("response-200")).to_contain_text("OK")
    await expect(panel.get_by_test_id("response-4XX")).to_be_visible()
    await tab.shoot("api-docs")

    # a common user: no sidebar entry, but the page opens by URL
    await gateway.add_user("alice", "alicepass123")
    other = await open_tab(gateway.base)
    await _login(other, "alice", "alicepass123")
    await expect(other.page.get_by_role("link", name="API keys")).to_be_visible()
    await expect(other.page.get_by_role("link", name="API reference")).to_have_count(0)
    await other.goto("/console/api-docs")
    await expect(other.page.get_by_role("heading", name="API reference")).to_be_visible()
    await expect(other.page.get_by_test_id("tag-relay")).to_be_visible()
