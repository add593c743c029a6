"""Browser tests: the built dashboard (static/) in the system's Chromium, driven by Playwright
(the PyPI package, launched with executable_path; its own browser download is never used),
against a real gateway and a fake upstream on 127.0.0.1.

Skipped, with the reason, when no Chromium is found (CHROMIUM_BIN, or chromium /
chromium-browser on PATH) or Playwright is not installed. Every page fixture fails its test on
a console error or an uncaught page error; `shoot` saves screenshots of a page at 1440×900 and
375×812 under tests/artifacts/browser/ (git-ignored)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 375, "height": 812}
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def find_chromium() -> str | None:
    configured = os.environ.get("CHROMIUM_BIN", "").strip()
    if configured:
        return configured if Path(configured).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def chromium_bin() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip(
            "no Chromium found (set CHROMIUM_BIN, or install Debian's chromium package:"
            " apt-get install chromium); the browser tests need one"
        )
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        pytest.skip("Playwright is not installed (pip install -e '.[test]')")
    return path


class Tab:
    """A page with its console errors collected, and screenshot helpers."""

    def __init__(self, page: Any, base: str) -> None:
        self.page, self.base = page, base
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _console(self, msg: Any) -> None:
        if msg.type == "error":
            self.errors.append(f"console error: {msg.text} ({msg.location.get('url', '')})")

    async def goto(self, path: str) -> None:
        await self.page.goto(self.base + path)

    async def shoot(self, name: str) -> Path:
        """Screenshots at 1440×900 and 375×812; the page is left at 1440×900."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9-]+", "-", name.lower())
        desktop = ARTIFACTS / f"{slug}-1440x900.png"
        await self.page.set_viewport_size(DESKTOP)
        await self.page.wait_for_timeout(150)  # the layout settles (charts resize on a frame)
        await self.page.screenshot(path=str(desktop))
        await self.page.set_viewport_size(PHONE)
        await self.page.wait_for_timeout(150)
        await self.page.screenshot(path=str(ARTIFACTS / f"{slug}-375x812.png"))
        await self.page.set_viewport_size(DESKTOP)
        return desktop


@pytest.fixture
async def browser(chromium_bin: str) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=chromium_bin, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def open_tab(browser: Any) -> AsyncIterator[Any]:
    """open_tab(base, locale="en-US", color_scheme="light") -> Tab; fails the test on any
    console error seen in any tab it opened."""
    contexts, tabs = [], []

    async def opener(base: str, locale: str = "en-US", color_scheme: str = "light") -> Tab:
        context = await browser.new_context(
            viewport=DESKTOP, locale=locale, color_scheme=color_scheme, base_url=base
        )
        await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
        context.set_default_timeout(8000)
        contexts.append(context)
        tab = Tab(await context.new_page(), base)
        tabs.append(tab)
        return tab

    yield opener
    for context in contexts:
        await context.close()
    errors = [e for tab in tabs for e in tab.errors]
    assert not errors, "the browser reported errors:\n" + "\n".join(errors)
