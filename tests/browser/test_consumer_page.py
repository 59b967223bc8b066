"""The consumer page in a real browser: products registered, events posted and anchored on anvil,
the mirror filled by the indexer, then headless Chromium (Debian's, driven by Selenium) opens the
Digital Link pages served by uvicorn."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from backend.api.main import create_app
from backend.identity.roles import Role
from tests.browser.live_server import LiveServer
from tests.browser.wallet_support import SCREENSHOTS
from tests.provenance.chain_support import GTIN, chained_provenance, epcis_document

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
RECALLED_GTIN = "09506000134376"
START = datetime.now(UTC) - timedelta(days=5)
GENEVA = "https://id.gs1.org/414/9506000134000/254/1"
ZURICH = "https://id.gs1.org/414/9506000134017"

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="Debian chromium and chromedriver are not installed (make test installs them as root)",
)


@pytest.fixture
def browser(tmp_path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=412,1500",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def ok(response: httpx.Response, status: int = 201) -> dict | list:
    assert response.status_code == status, response.text
    return response.json()


def test_anchored_history_reads_genuine_and_a_recall_suspicious_in_chromium(w3, registry, accounts, tmp_path, browser):
    chain = chained_provenance(w3, registry, tmp_path)
    brand = chain.participant("Acme Watches", Role.BRAND)
    factory = chain.participant("Acme Factory Geneva", Role.SUPPLY_CHAIN_ACTOR)
    carrier = chain.participant("Swift Logistics", Role.SUPPLY_CHAIN_ACTOR)

    with LiveServer(create_app(chain.settings)) as base, httpx.Client(base_url=base, timeout=30) as api:
        for gtin, name in ((GTIN, "Chronograph 42"), (RECALLED_GTIN, "Diver 300")):
            ok(api.post("/v1/products", headers=brand.headers, json={"gtin": gtin, "name": name}))
            ok(api.post(f"/v1/products/{gtin}/serials", headers=brand.headers, json={"serials": ["A1", "A2"]}))
        for actor in (factory, carrier):
            ok(api.post("/v1/products/actors", headers=brand.headers, json={"actor_id": str(actor.participant_id)}))
        chain.drain()

        history = [
            (factory, "commissioning", GENEVA, {}),
            (factory, "inspecting", GENEVA, {"disposition": "conformant"}),
            (carrier, "shipping", GENEVA, {}),
            (carrier, "receiving", ZURICH, {}),
        ]
        brand_events = f"/v1/products/events?brand_id={brand.participant_id}"
        for hours, (actor, step, place, extra) in enumerate(history):
            document = epcis_document(GTIN, "A1", step, START + timedelta(hours=hours * 6), place, **extra)
            ok(api.post(brand_events, headers=actor.headers, json=document))
        ok(api.post(brand_events, headers=factory.headers,
                    json=epcis_document(RECALLED_GTIN, "A1", "commissioning", START, GENEVA)))
        # The brand's actor list is per brand: another brand's actor is turned away.
        stranger = chain.participant("Unrelated Carrier", Role.SUPPLY_CHAIN_ACTOR)
        refused = api.post(brand_events, headers=stranger.headers, json=epcis_document(GTIN, "A1", "shipping", START))
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "actor_not_authorised"

        first = chain.anchor()
        assert (first.built, first.submitted) == (2, 2), first.problems  # one batch per actor
        chain.drain()
        assert chain.anchor().anchored == 2
        chain.provenance.functions.setProductClassRecall(int(RECALLED_GTIN), True).transact({"from": accounts[0]})
        chain.index()
        blocks = [event["anchoredBlock"] for event in ok(
            api.get(f"/01/{GTIN}/21/A1", headers={"Accept": "application/json"}), 200)["events"]]
        assert len(blocks) == 4 and all(isinstance(block, int) and block > 0 for block in blocks)

        browser.get(f"{base}/01/{GTIN}/21/A1")
        assert browser.title == "Genuine: Chronograph 42 A1"
        verdict = browser.find_element(By.CSS_SELECTOR, "section.verdict")
        assert "genuine" in verdict.get_attribute("class").split()
        assert browser.find_element(By.ID, "verdict").text.endswith("Genuine")
        assert "all 4 events of its history are confirmed on the ledger" in verdict.find_element(By.TAG_NAME, "p").text
        entries = browser.find_elements(By.CSS_SELECTOR, "#main ol > li")
        assert [entry.find_element(By.TAG_NAME, "h3").text for entry in entries] == [
            "Made", "Quality check: passed", "Shipped", "Received",
        ]
        assert [entry.find_element(By.CLASS_NAME, "meta").text for entry in entries] == [
            "site 9506000134000, point 1, by Acme Factory Geneva",
            "site 9506000134000, point 1, by Acme Factory Geneva",
            "site 9506000134000, point 1, by Swift Logistics",
            "site 9506000134017, by Swift Logistics",
        ]
        marks = [entry.find_element(By.CLASS_NAME, "anchored").text for entry in entries]
        assert marks == [f"Anchored in block {block}" for block in blocks]
        assert browser.find_elements(By.CLASS_NAME, "pending") == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        screenshot = SCREENSHOTS / "product-page-genuine.png"
        assert browser.save_screenshot(str(screenshot)) and screenshot.stat().st_size > 10_000

        browser.get(f"{base}/01/{RECALLED_GTIN}/21/A1")
        assert browser.find_element(By.ID, "verdict").text.endswith("Suspicious")
        assert "recalled" in browser.find_element(By.CSS_SELECTOR, "section.verdict p").text
        browser.save_screenshot(str(SCREENSHOTS / "product-page-recalled.png"))

        browser.get(f"{base}/01/{GTIN}/21/ZZ9")
        assert browser.find_element(By.ID, "verdict").text.endswith("Not verified")
