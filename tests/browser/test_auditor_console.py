"""The auditor and admin console (/console/auditor) in headless Chromium, driven by Playwright.

Against anvil, the real outbox and sender, the indexer and the API under uvicorn (the settlement
world of tests/settlement): the admin signs in with its API key, sees an application whose name
carries a script (shown as text, never run), approves it with the roles chosen and a KYC expiry,
sets the expiry again from the date input; the auditor signs in, tries to uphold naming invalid
events (a malformed list is refused beside the field, ids that are not billed events come back as the
API's message, nothing is sent), rejects the open challenge after the confirmation, sees it pending,
and once mined and mirrored the page's own refresh shows the queue empty. axe-core finds no serious
or critical violation; screenshots: build/screenshots/auditor-console.png, auditor-resolve-dialog.png.
"""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import custody, database_url, make_api, outbox  # noqa: F401  (fixtures)
from tests.browser.live_server import LiveServer
from tests.browser.wallet_support import BUNDLE, axe_violations, needs_page, screenshot
from tests.settlement.conftest import chain_api, world  # noqa: F401  (fixtures)

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = needs_page(BUNDLE.parent / "auditor.js")

HOSTILE_NAME = 'Mallory <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> Ltd'


def sign_in(page, base: str, key: str, role: str) -> None:
    page.goto(f"{base}/console/auditor")
    page.select_option("#signin-role", role)
    page.fill("#signin-key", key)
    page.click("#signin-key-form button[type=submit]")
    page.wait_for_selector("#console:not([hidden])")


def test_approve_an_applicant_set_kyc_and_reject_a_challenge(world, chromium):  # noqa: F811
    disputed = world.open_challenge()
    world.fund_gas(world.auditor.address)
    applied = world.client.post("/v1/participants", json={
        "display_name": HOSTILE_NAME, "requested_roles": ["publisher"], "custody_mode": "custodial"})
    assert applied.status_code == 201, applied.text
    applicant = applied.json()["participant"]["id"]
    admin_key = world.chain_api.admin()["Authorization"].removeprefix("Bearer ")

    app = world.chain_api.api.app
    server = LiveServer(app)
    base = server.__enter__()
    app.state.settings = app.state.settings.model_copy(update={"public_base_url": base})
    world.chain_api.api.clock.fixed = None
    try:
        page = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                    timezone_id="Asia/Shanghai").new_page()
        sign_in(page, base, admin_key, "admin")
        card = page.locator(f'[data-participant-id="{applicant}"]')
        card.wait_for()
        assert card.locator("h3.name").text_content() == HOSTILE_NAME
        assert page.evaluate("window.__pwned") is None
        # Approve as publisher and attester, KYC valid until 31 Dec 2027.
        card.locator('input[value="attester"]').check()
        card.locator('input[type="date"]').fill("2027-12-31")
        card.locator("button.approve").click()
        page.wait_for_selector("#toast.notice")
        assert "approved" in page.text_content("#toast")
        page.select_option("#people-status", "approved")
        card = page.locator(f'[data-participant-id="{applicant}"]')
        card.wait_for()
        assert card.locator("dd.roles").text_content() == "publisher, attester"
        assert card.locator("dd.kyc").text_content().startswith("31 Dec 2027")
        card.locator('input[type="date"]').fill("2028-06-30")
        card.locator("button.kyc-set").click()
        playwright_api.expect(card.locator("dd.kyc")).to_have_text(re.compile(r"^30 Jun 2028"))
        got = world.client.get(f"/v1/participants/{applicant}", headers=world.chain_api.admin()).json()
        assert got["status"] == "approved" and got["roles"] == ["publisher", "attester"]
        assert got["kyc_expires_at"].startswith("2028-06-30T15:59:59"), "end of day in Asia/Shanghai"

        # The admin may read the queue but not resolve (the contract wants an auditor).
        row = page.locator(f'#queue tr[data-chain-campaign-id="{world.chain_id}"]')
        row.wait_for()
        assert row.locator("button.reject").count() == 0

        sign_in(page, base, world.auditor.api_key, "auditor")
        row = page.locator(f'#queue tr[data-chain-campaign-id="{world.chain_id}"]')
        row.wait_for()
        cells = row.locator("td").all_text_contents()
        assert cells[0] == world.campaign["name"] and cells[1] == str(disputed.epoch)
        assert cells[3] == "100.00 tUSD" and "left" in cells[5]
        # Upholding may name invalid events: a malformed list stays in the dialog with the
        # error beside the field; ids that are not billed events come back as the API's message.
        row.locator("button.uphold").click()
        assert page.is_visible("#resolve-invalid")
        page.fill("#resolve-invalid", "12, x7")
        page.click("#resolve-confirm")
        assert page.is_visible("#resolve-dialog")
        assert "x7" in page.text_content("#resolve-invalid-error")
        assert page.get_attribute("#resolve-invalid", "aria-invalid") == "true"
        assert screenshot(page, "auditor-resolve-dialog").exists()
        page.fill("#resolve-invalid", "999999999 999999998")
        page.click("#resolve-confirm")
        page.wait_for_selector("#toast.error")
        assert "not billed events" in page.text_content("#toast")
        assert not page.is_visible("#resolve-dialog")
        assert row.get_attribute("data-pending") is None, "nothing was sent"
        row.locator("button.reject").click()
        assert page.is_visible("#resolve-dialog")
        assert not page.is_visible("#resolve-invalid"), "only an upheld challenge names events"
        assert "treasury" in page.text_content("#resolve-text")
        page.click("#resolve-cancel")
        assert not page.is_visible("#resolve-dialog")
        row.locator("button.reject").click()
        page.click("#resolve-confirm")
        page.wait_for_selector(f'#queue tr[data-chain-campaign-id="{world.chain_id}"][data-pending="true"]')
        assert "pending" in row.locator("td.state").text_content()
        assert axe_violations(page) == []
        shot = screenshot(page, "auditor-console")
        assert shot.exists()

        world.mine()
        # The page reads the queue again by itself while a resolution is pending.
        page.wait_for_selector("#queue-empty:not([hidden])", timeout=20_000)
        assert world.escrow.functions.openChallenge(world.chain_id).call()[0] == "0x" + "0" * 40
    finally:
        server.__exit__(None, None, None)
