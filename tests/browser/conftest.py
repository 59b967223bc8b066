"""The browser the browser tests share: Debian's Chromium launched by Playwright (no download)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.wallet_support import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def chromium() -> Iterator[object]:
    """A headless Chromium with a fresh profile, closed after the test."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
