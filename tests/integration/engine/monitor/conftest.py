"""Headless Chromium (Debian's, driven by Playwright) looking at the monitor of an engine per test.

These tests never skip: without chromium or the built viewer they fail and say how to get them
(``make monitor-assets``, which ``make test`` runs before pytest).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from engine.monitor.routes import VENDOR, VIEWER_SCRIPT, viewer_built
from engine.server import RunningEngine

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_executable() -> str:
    """``$CHROMIUM`` or Debian's chromium; fails (never skips) when there is none."""
    candidate = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(candidate).is_file():
        pytest.fail(
            f"no chromium at {candidate}: run `make monitor-assets` (installs Debian's chromium with apt)",
            pytrace=False,
        )
    return candidate


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    executable = chromium_executable()
    if not viewer_built():
        pytest.fail(
            f"the monitor's bpmn-js viewer is not built ({VENDOR / VIEWER_SCRIPT} is missing): "
            "run `make monitor-assets`",
            pytrace=False,
        )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        await browser.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh page on a laptop-sized screen; a JavaScript error on it fails the test."""
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    await context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def monitor_url(engine: RunningEngine) -> str:
    return f"http://127.0.0.1:{engine.http_port}/monitor"
