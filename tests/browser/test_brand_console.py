"""The brand console's catalogue in headless Chromium: a brand with more products than one page
sees the newest 50 and a "More products" button that appends the rest, each product once.

The app of the provenance API tests (SQLite, chain calls recorded, not sent) under uvicorn; the
brand signs in with its API key."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.provenance.gtin import with_check_digit
from tests.browser.live_server import LiveServer
from tests.browser.wallet_support import CHROMIUM, ROOT
from tests.provenance.test_api import Harness

expect = pytest.importorskip("playwright.sync_api").expect
BUNDLE = ROOT / "backend" / "web" / "static" / "dist" / "brand.js"

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make system-tools)"),
    pytest.mark.skipif(not BUNDLE.exists(), reason="the page bundle is not built (make web)"),
]
PRODUCTS = 55


def test_the_catalogue_shows_a_page_and_appends_the_next_on_more(tmp_path, chromium):
    harness = Harness(tmp_path)
    with harness.client as client:
        for n in range(PRODUCTS):
            response = client.post("/v1/products", headers=harness.brand.headers,
                                   json={"gtin": with_check_digit(f"950600014{n:03d}"), "name": f"Model {n}"})
            assert response.status_code == 201, response.text
    with LiveServer(harness.app) as base:
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        assert page.goto(f"{base}/console/brand").status == 200
        page.fill("#signin-key", harness.brand.key)
        page.click("#signin-key-form button[type=submit]")
        page.wait_for_selector("#signin-status[data-state=signed-in]")
        page.wait_for_selector("#products-loading", state="hidden")
        names = page.locator("#products tbody td.name")
        assert names.count() == 50
        assert names.first.inner_text() == f"Model {PRODUCTS - 1}", "newest first"
        assert page.is_visible("#products-more")

        page.click("#products-more")
        expect(page.locator("#products tbody tr")).to_have_count(PRODUCTS)  # no string eval: the CSP forbids it
        page.wait_for_selector("#products-more", state="hidden")
        shown = names.all_inner_texts()
        assert sorted(shown) == sorted(f"Model {n}" for n in range(PRODUCTS)) and shown[-1] == "Model 0"
        assert errors == []
        context.close()
