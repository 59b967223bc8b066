"""The brand console (/console/brand) in headless Chromium, driven by Playwright.

Against anvil, the real outbox and sender, the anchorer, the indexer and the API under uvicorn
(the provenance chain of tests/provenance/chain_support.py): a brand whose product is named with
markup (shown as text, never run) signs in with its API key (a wrong key shows the API's message),
sees its products with their serial ranges, downloads a serial's QR code as PNG and SVG, makes
the printable sheet, reads a serial's history (anchored events with their block, the newest one
pending), the scans per day, clone signals and first-scan claims as the API counts them, and
recalls the product after the confirmation; a second try from a page opened before shows the
API's 409 as its message. The console switches to Simplified Chinese. axe-core finds no serious
or critical violation; screenshots go to build/screenshots/brand-console.png and brand-sheet.png
(printed: print media emulated).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from backend.api.main import create_app
from backend.identity.roles import Role
from tests.browser.live_server import LiveServer
from tests.browser.wallet_support import ROOT, axe_violations, needs_page, record_page_errors, screenshot
from tests.provenance.chain_support import GTIN, chained_provenance, epcis_document

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
BUNDLE = ROOT / "backend" / "web" / "static" / "dist" / "brand.js"

pytestmark = needs_page(BUNDLE)

HOSTILE_NAME = 'Chrono <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> 42'
OTHER_GTIN = "09506000134376"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148 Safari/604.1"
PREVIEW = "WhatsApp/2.23.20.0 A"
BERLIN, TOKYO = "192.0.2.5", "198.51.100.8"  # DE and JP in the sample IP table
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def ok(response: httpx.Response, status: int = 201):
    assert response.status_code == status, response.text
    return response.json()


def shanghai(moment: str) -> str:
    """A moment as the page's formatDate writes it for an en-GB viewer in Asia/Shanghai."""
    local = datetime.fromisoformat(moment).astimezone(ZoneInfo("Asia/Shanghai"))
    return f"{local.day} {local:%b %Y, %H:%M}"


def open_console(context, base: str, problems: list[str]):
    page = context.new_page()
    record_page_errors(page, problems)  # the refusals this test provokes (401, 409) are not problems
    response = page.goto(f"{base}/console/brand")
    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    return page


def sign_in(page, key: str) -> None:
    page.fill("#signin-key", key)
    page.click("#signin-key-form button[type=submit]")
    page.wait_for_selector("#signin-status[data-state=signed-in]")
    page.wait_for_selector("#products-loading", state="hidden")


def open_product(page, gtin: str) -> None:
    page.locator(f'#products tr[data-gtin="{gtin}"] button.open').click()
    page.wait_for_selector("#serials tbody tr")
    page.wait_for_selector("#scans-loading", state="hidden")


def test_products_qr_sheet_history_scans_recall_in_chromium(w3, registry, tmp_path, chromium):
    chain = chained_provenance(w3, registry, tmp_path, trusted_proxies="127.0.0.1/32")
    brand = chain.participant("Acme Watches", Role.BRAND)
    factory = chain.participant("Acme Factory Geneva", Role.SUPPLY_CHAIN_ACTOR)
    app = create_app(chain.settings)

    with LiveServer(app) as base, httpx.Client(base_url=base, timeout=30) as api:
        ok(api.post("/v1/products", headers=brand.headers, json={"gtin": OTHER_GTIN, "name": "Diver 300"}))
        ok(api.post(f"/v1/products/{OTHER_GTIN}/serials", headers=brand.headers, json={"serials": ["D1"]}))
        ok(api.post("/v1/products", headers=brand.headers, json={"gtin": GTIN, "name": HOSTILE_NAME}))
        codes = ok(api.post(f"/v1/products/{GTIN}/serials", headers=brand.headers,
                            json={"serials": ["A1", "A2", "A3"], "claim_codes": True}))["claim_codes"]
        ok(api.post(f"/v1/products/{GTIN}/serials", headers=brand.headers,
                    json={"ranges": [{"first": 1, "last": 30, "width": 4, "prefix": "B"}]}))
        ok(api.post("/v1/products/actors", headers=brand.headers, json={"actor_id": str(factory.participant_id)}))
        chain.drain()
        chain.index()

        # A1's history: two events anchored on chain, then one still pending.
        events = f"/v1/products/events?brand_id={brand.participant_id}"
        start = datetime.now(UTC) - timedelta(days=3)
        for hours, step in ((0, "commissioning"), (6, "inspecting")):
            ok(api.post(events, headers=factory.headers, json=epcis_document(
                GTIN, "A1", step, start + timedelta(hours=hours))))
        assert chain.anchor().submitted == 1
        chain.drain()
        chain.index()
        assert chain.anchor().anchored == 1
        ok(api.post(events, headers=factory.headers,
                    json=epcis_document(GTIN, "A1", "shipping", start + timedelta(hours=30))))

        # Scans: A1 in Berlin (and a link preview), then Tokyo minutes later; an unknown serial; a claim.
        def scan(ip: str, serial: str, agent: str = PHONE) -> None:
            ok(api.get(f"/01/{GTIN}/21/{serial}", headers={"X-Forwarded-For": ip, "User-Agent": agent,
                                                          "Accept": "application/json"}), 200)

        scan(BERLIN, "A1")
        scan(BERLIN, "A1", PREVIEW)
        scan(TOKYO, "A1")
        scan(BERLIN, "FAKE9")
        ok(api.post(f"/v1/products/{GTIN}/A2/claim", json={"code": codes["A2"]}), 200)
        analytics = ok(api.get(f"/v1/products/{GTIN}/scans?days=30", headers=brand.headers), 200)
        history = ok(api.get(f"/v1/products/{GTIN}/A1/history", headers=brand.headers), 200)
        assert [h["anchor_status"] for h in history] == ["anchored", "anchored", "pending"]

        problems: list[str] = []
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1,
                                       locale="en-GB", timezone_id="Asia/Shanghai", accept_downloads=True)
        page = open_console(context, base, problems)
        assert page.inner_text("h1") == "Brand console" and page.is_hidden("#console")

        # A wrong key: the API's message, not its JSON.
        page.fill("#signin-key", "tl_not-a-key")
        page.click("#signin-key-form button[type=submit]")
        page.wait_for_selector("#toast.error")
        refused = api.get("/v1/participants/me", headers={"Authorization": "Bearer tl_not-a-key"})
        assert refused.status_code == 401
        assert page.inner_text("#toast") == f"Something went wrong: {refused.json()['error']['message']}"
        assert "{" not in page.inner_text("#toast")
        assert page.is_hidden("#console") and page.inner_text("#signin-status") == "Not signed in."

        sign_in(page, brand.key)
        assert page.inner_text("#signin-status") == "Signed in as Acme Watches"
        # Products, newest first, with their serial ranges; the hostile name is text.
        assert page.locator("#products tbody tr").evaluate_all("rows => rows.map(r => r.dataset.gtin)") == [GTIN, OTHER_GTIN]
        row = page.locator(f'#products tr[data-gtin="{GTIN}"]')
        assert row.locator("td.name").inner_text() == HOSTILE_NAME
        assert page.evaluate("window.__pwned") is None and page.locator("#products img").count() == 0
        assert row.locator("ul.batches li").all_inner_texts() == ["A1 – A3 (3)", "B0001 – B0030 (30)"]
        assert row.locator("td.recall .badge").inner_text() == "not recalled"
        assert page.locator(f'#products tr[data-gtin="{OTHER_GTIN}"] ul.batches li').inner_text() == "D1 – D1 (1)"

        # A stale second page, opened before the recall, for the second try.
        stale = open_console(context, base, problems)
        sign_in(stale, brand.key)
        open_product(stale, GTIN)

        open_product(page, GTIN)
        assert page.inner_text("#detail-title") == HOSTILE_NAME
        serials = page.locator("#serials tbody tr")
        assert serials.count() == 20 and page.is_visible("#serials-more")
        assert serials.evaluate_all("rows => rows.map(r => r.dataset.serial)")[:4] == ["A1", "A2", "A3", "B0001"]
        (claim,) = analytics["claims"]
        claimed = shanghai(claim["claimed_at"])
        assert page.locator('#serials tr[data-serial="A2"] td').nth(1).inner_text() == claimed
        assert page.locator('#serials tr[data-serial="A1"] td').nth(1).inner_text() == "not claimed"
        page.locator('#serials tr[data-serial="A1"] td.qr-cell img').wait_for()
        page.click("#serials-more")
        expect(serials).to_have_count(33)
        assert page.is_hidden("#serials-more")

        # QR codes: PNG and SVG downloads of A1, the bytes the API serves.
        a1 = page.locator('#serials tr[data-serial="A1"]')
        with page.expect_download() as png_download:
            a1.locator("button.download-png").click()
        png = Path(png_download.value.path()).read_bytes()
        assert png_download.value.suggested_filename == f"{GTIN}-A1.png"
        assert png.startswith(PNG_SIGNATURE) and png == api.get(f"/v1/products/{GTIN}/A1/qr.png", headers=brand.headers).content
        with page.expect_download() as svg_download:
            a1.locator("button.download-svg").click()
        svg = Path(svg_download.value.path()).read_bytes()
        assert svg_download.value.suggested_filename == f"{GTIN}-A1.svg"
        assert b"<svg" in svg[:200] and f"/01/{GTIN}/21/A1</title>".encode() in svg

        # A1's history: anchored events with their blocks, the newest pending.
        a1.locator("button.history").click()
        entries = page.locator("#history li[data-anchor]")
        expect(entries).to_have_count(3)
        assert page.inner_text("#history-title") == "History of serial A1"
        assert page.is_hidden("#history-none")
        assert entries.locator("h4").all_inner_texts() == ["commissioning", "inspecting", "shipping"]
        marks = entries.evaluate_all("items => items.map(i => [i.dataset.anchor, i.querySelector('.badge, .pending').textContent])")
        assert marks == [["anchored", f"Anchored in block {history[0]['anchored_block']:,}"],
                         ["anchored", f"Anchored in block {history[1]['anchored_block']:,}"],
                         ["pending", "Pending: not anchored yet"]]

        # Scan analytics as the API counts them.
        people = sum(day["scans"] for day in analytics["days"])
        previews = sum(day["previews"] for day in analytics["days"])
        assert (people, previews) == (3, 1)
        assert page.locator("#scans-chart canvas").count() == 1 and page.is_hidden("#scans-empty")
        assert page.inner_text("#scans-total") == "3 scans and 1 link preview in the last 30 days"
        signals = {signal["serial"]: signal for signal in analytics["clone_signals"]}
        assert set(signals) == {"A1", "FAKE9"}
        clones = page.locator("#clones li")
        assert clones.evaluate_all("items => items.map(i => i.dataset.serial)") == ["A1", "FAKE9"]
        assert clones.nth(0).inner_text() == f"A1 — 2 scans from 2 devices · too far apart: {signals['A1']['far_apart']}"
        assert "Germany → Japan" in signals["A1"]["far_apart"]
        assert clones.nth(1).inner_text() == "FAKE9 — not a registered serial: 1 scan"
        assert page.inner_text("#claims-total") == "1 serial claimed in all; the latest:"
        assert page.locator("#claims li").all_inner_texts() == [f"A2 — {claimed}"]

        # The printable sheet of the B range: 24 codes, each an image that loaded.
        batches = page.locator("#sheet-batch option").all_inner_texts()
        assert batches == ["A1 – A3 (3)", "B0001 – B0030 (30)"]
        page.select_option("#sheet-batch", label="B0001 – B0030 (30)")
        page.fill("#sheet-count", "24")
        page.click("#sheet-form button[type=submit]")
        page.wait_for_selector("#sheet:not([hidden])")
        cells = page.locator("#sheet-grid li")
        expect(cells).to_have_count(24)
        assert page.inner_text("#sheet-title") == f"{HOSTILE_NAME} · GTIN {GTIN} · 24 codes"
        assert cells.evaluate_all("items => items.map(i => i.dataset.serial)") == [f"B{n:04d}" for n in range(1, 25)]
        assert page.evaluate("() => [...document.querySelectorAll('#sheet-grid img')].every(i => i.complete && i.naturalWidth > 0)")
        assert cells.nth(0).locator(".label").inner_text() == f"{HOSTILE_NAME} · B0001"
        assert page.evaluate("window.__pwned") is None

        # Recall: a confirmation first; cancel keeps it, confirming queues it (pending until mirrored).
        page.click("#recall-start")
        assert page.is_visible("#recall-confirm") and page.is_hidden("#recall-start")
        assert page.inner_text("#recall-question").startswith(f"Recall {HOSTILE_NAME} (GTIN {GTIN})?")
        assert page.evaluate("document.activeElement.id") == "recall-no"
        # Everything is on the page now (products, serials, history, charts, sheet, the confirmation).
        assert axe_violations(page) == []
        page.click("#recall-no")
        assert page.is_hidden("#recall-confirm") and page.is_visible("#recall-start")
        assert ok(api.get("/v1/products", headers=brand.headers), 200)[0]["recall"] == "none"

        # The sheet printed: alone on the paper, without the console or its buttons.
        page.emulate_media(media="print")
        assert page.is_hidden("#console") and page.is_hidden("header") and page.is_hidden("#sheet-print")
        assert page.is_visible("#sheet-grid")
        screenshot(page, "brand-sheet")
        page.emulate_media(media="screen")
        assert page.is_visible("#console")
        page.click("#sheet-close")
        assert page.is_hidden("#sheet")

        page.click("#recall-start")
        page.click("#recall-yes")
        page.wait_for_selector("#toast.notice")
        assert page.inner_text("#toast") == (
            f"The recall of {HOSTILE_NAME} is queued on the ledger; it shows as recalled once confirmed.")
        assert page.inner_text("#detail-recall .badge") == "recall pending" and page.is_hidden("#recall-start")
        expect(row.locator("td.recall .badge")).to_have_text("recall pending")
        screenshot(page, "brand-console")
        chain.drain()
        chain.index()
        page.click("#refresh")
        expect(row.locator("td.recall .badge")).to_have_text("recalled")

        # The stale page still offers the recall: the API refuses it (409), shown as its message.
        stale.click("#recall-start")
        stale.click("#recall-yes")
        stale.wait_for_selector("#toast.error")
        assert stale.inner_text("#toast") == f"Something went wrong: product {GTIN} is already recalled"
        expect(stale.locator("#detail-recall .badge")).to_have_text("recalled")
        assert stale.is_hidden("#recall-start")
        assert problems == [], problems

        # The language switch: the same console in Simplified Chinese (a reload signs out).
        page.click('form.lang button[value="zh-CN"]')
        page.wait_for_selector('html[lang="zh-CN"]')
        assert page.inner_text("h1") == "品牌控制台" and page.is_hidden("#console")
        sign_in(page, brand.key)
        assert page.locator(f'#products tr[data-gtin="{GTIN}"] td.recall .badge').inner_text() == "已召回"
        assert page.locator("#products thead th").first.inner_text() == "名称"
        open_product(page, GTIN)
        assert page.inner_text("#scans-total") == "近 30 天：扫描 3 次，链接预览 1 次"
        assert page.inner_text("#claims-total") == "共认领 1 个序列号；最近的："
        assert problems == [], problems
        context.close()
