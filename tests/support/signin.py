"""Helpers for the browser tests of the sign-in pages: labelled fields, waiting for a page to
settle, options over the API, the password form, the stored user after a login, and a guard
that answers (never fetches) Cloudflare's and Telegram's scripts."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import expect

from tests.support.gateway import Client

EXTERNAL = re.compile(r"^https://(challenges\.cloudflare\.com|telegram\.org)/")


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
