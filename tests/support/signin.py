"""Helpers for the browser tests: labelled fields, waiting for a page to settle, options over
the API, the password form, a logged-in tab, the stored user after a login, registering a
passkey from the page, and a guard that answers (never fetches) Cloudflare's and Telegram's
scripts."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import expect

from tests.support.gateway import Client, Gateway

PASSWORD = "rootpass123"  # Gateway.setup_root()'s
EXTERNAL = re.compile(r"^https://(challenges\.cloudflare\.com|telegram\.org)/")


def field(page, label: str):
    """The input with this label (a required field's label ends with " *")."""
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


async def login(gateway: Gateway, open_tab, username: str = "root", password: str = PASSWORD,
                **tab_options):  # fmt: skip
    """A new tab logged in through the login page, on the console home once it has loaded."""
    tab = await open_tab(gateway.base, **tab_options)
    await tab.goto("/login")
    await password_login(tab, username, password)
    await expect(tab.page).to_have_url(re.compile(r"/console$"))
    # let the home page's chunks finish loading: a navigation that cuts a static file off
    # mid-send leaves aiohttp's file object to the garbage collector (a ResourceWarning)
    await tab.page.wait_for_load_state("networkidle")
    return tab


# Registers a passkey from the page with the browser's (virtual) authenticator, as root.
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
