"""The publisher console (/console/publisher) in headless Chromium, driven by Playwright.

Against anvil, the real outbox and sender, the indexer and the API under uvicorn (the settlement
world of tests/settlement): a publisher whose campaign was settled, committed and matured signs in
with its API key, sees the amounts the API reports, pays itself now (pending until mined and
mirrored, then listed with its transaction hash; a second "pay now" shows the API's refusal),
adds a signing key (a refused one shows the API's message next to the field) and revokes it after
the confirmation, and reads its traffic quality by filter reason. axe-core finds no serious or
critical violation; screenshots go to build/screenshots/publisher-console{,-pending}.png.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from eth_account import Account

from tests.ads.factories import BOT_AGENT, click, impression
from tests.api.conftest import custody, database_url, make_api, outbox  # noqa: F401  (fixtures)
from tests.browser.live_server import LiveServer
from tests.browser.wallet_support import ROOT, axe_violations, needs_page, record_page_errors, screenshot
from tests.settlement.conftest import chain_api, world  # noqa: F401  (fixtures)
from tests.settlement.support import WINDOW, closed_epoch_time

playwright_api = pytest.importorskip("playwright.sync_api")
BUNDLE = ROOT / "backend" / "web" / "static" / "dist" / "publisher.js"

pytestmark = needs_page(BUNDLE)

HOSTILE_LABEL = 'ops <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> key'


def shown(base_units: str | int, decimals: int = 6, symbol: str = "tUSD") -> str:
    """An amount as the page's formatAmount writes it in en-GB: at least two fraction digits, no trailing zeros."""
    value = Decimal(int(base_units)).scaleb(-decimals)
    text = f"{value:,.{decimals}f}".rstrip("0")
    whole, fraction = text.split(".")
    return f"{whole}.{fraction.ljust(2, '0')} {symbol}"


def test_sign_in_see_the_apis_numbers_pay_now_add_and_revoke_a_key(world, chromium):  # noqa: F811
    publisher = world.publishers[0]
    t = closed_epoch_time()
    world.traffic(publisher, impressions=1_500, clicks=10, conversions=2, received_at=t)
    world.ingest(publisher, [impression("bot-1", user_agent=BOT_AGENT), impression("bot-2", user_agent=BOT_AGENT),
                             click("stray-click", "no-such-impression")], received_at=t)
    world.settle()
    world.mine()
    world.advance(WINDOW)
    world.keep()  # the root matures; its payout is left to the publisher's "pay now"
    world.mine()
    api = lambda path: world.client.get(path, headers=publisher.headers).json()  # noqa: E731
    (line,) = api(f"/v1/payouts/{publisher.participant_id}")["campaigns"]
    assert (line["billed"], line["matured"], line["paid"], line["claimable"]) == ("5500000", "5500000", "0", "5500000")

    server = LiveServer(world.chain_api.api.app)
    base = server.__enter__()
    try:
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                       timezone_id="Asia/Shanghai")
        page = context.new_page()
        # The refusals this test provokes (409, 422) are answers, not problems; script errors and 5xx are.
        problems = record_page_errors(page, [])
        page.on("response", lambda answer: problems.append(f"{answer.status} {answer.url}")
                if answer.status >= 500 or answer.status == 404 else None)
        response = page.goto(f"{base}/console/publisher")
        assert response.status == 200
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert page.is_hidden("#console")

        page.fill("#signin-key", publisher.api_key)
        page.click("#signin-key-form button[type=submit]")
        page.wait_for_selector("#signin-status[data-state=signed-in]")
        assert page.inner_text("#signin-status") == f"Signed in as {publisher.name}"
        page.wait_for_selector("body[data-loaded=true]")

        # Earnings: the numbers the API reports, locale-formatted.
        row = page.locator(f'#earnings tr[data-chain-campaign-id="{world.chain_id}"]')
        cells = {kind: row.locator(f'.amount[data-kind="{kind}"]').inner_text()
                 for kind in ("billed", "matured", "paid", "pending", "claimable")}
        assert cells == {kind: shown(line[kind]) for kind in cells}
        assert cells["billed"] == "5.50 tUSD" and cells["paid"] == "0.00 tUSD"
        report = api(f"/v1/publishers/{publisher.participant_id}/report")
        (total,) = report["totals"]
        assert page.inner_text('#totals dd[data-token="tUSD"]') == (
            f"earned {shown(total['earned'])} · paid {shown(total['paid'])} · fees {shown(total['fees'])} · "
            f"pending {shown(total['pending'])}")
        assert page.is_visible("#payouts-empty") and page.is_hidden("#payouts")
        assert page.is_visible("#keys-empty"), "a custodial publisher has no key until it adds one"
        assert all(page.is_hidden(f"#{name}-loading") for name in ("earnings", "payouts", "keys", "traffic"))

        # Traffic quality: the chart and the table, as the API counts.
        traffic = api(f"/v1/publishers/{publisher.participant_id}/traffic")
        assert traffic["total"]["filtered_by_reason"] == {"bot_user_agent": 2, "click_without_impression": 1}
        assert page.locator("#traffic-chart canvas").count() == 1
        assert page.inner_text('#traffic tr[data-reason="accepted"] td.count') == f"{traffic['total']['accepted']:,}"
        bots = page.locator('#traffic tr[data-reason="bot_user_agent"]')
        assert bots.locator("th").inner_text() == "Bot user agent" and bots.locator("td.count").inner_text() == "2"
        assert page.locator("#traffic tbody th").all_inner_texts() == ["Accepted", "Bot user agent",
                                                                      "Click without an impression"]
        assert page.is_hidden("#traffic-clean")

        # Pay now: queued, marked pending until it is mined and mirrored, then listed with its hash.
        row.locator("button.pay-now").click()
        page.wait_for_selector("#toast.notice")
        assert "is on its way" in page.inner_text("#toast")
        page.wait_for_selector("#payouts tr.in-flight")
        assert page.locator("#payouts tr.in-flight .pending").inner_text() == "Pending: waiting for the ledger"
        assert row.get_attribute("data-pending") == "true"
        screenshot(page, "publisher-console-pending")
        world.mine()
        page.click("#refresh")
        page.wait_for_selector("#payouts tr.payout.paid")
        (line,) = api(f"/v1/payouts/{publisher.participant_id}")["campaigns"]
        (paid,) = line["payouts"]
        assert (line["paid"], paid["amount"], line["claimable"]) == (str(5_500_000 - 137_500),) * 2 + ("0",)
        payout = page.locator("#payouts tr.payout.paid")
        assert payout.get_attribute("data-tx-hash") == paid["tx_hash"]
        assert payout.locator("code.tx").inner_text() == paid["tx_hash"]
        assert payout.locator(".amount").inner_text() == shown(paid["amount"]) == "5.3625 tUSD"
        assert page.locator("#payouts tr.in-flight").count() == 0
        assert row.locator('.amount[data-kind="paid"]').inner_text() == shown(line["paid"])
        assert world.w3.eth.get_transaction_receipt(paid["tx_hash"]).status == 1
        # Again: nothing is owed, and the API's refusal is shown as its message.
        row.locator("button.pay-now").click()
        page.wait_for_selector("#toast.error")
        assert page.inner_text("#toast") == (
            "Something went wrong: the matured root owes this publisher nothing beyond its payouts")

        # Signing keys: a refused key shows the API's message at the field; a good one is listed.
        signer = Account.create("browser publisher key")
        page.select_option("#key-algorithm", "secp256k1")
        page.fill("#key-text", "0x1234")
        page.click("#key-submit")
        page.wait_for_selector("#error-key:not([hidden])")
        assert page.inner_text("#error-key") == "a secp256k1 key is registered by its 0x-prefixed Ethereum address"
        assert page.get_attribute("#key-text", "aria-invalid") == "true"
        page.fill("#key-text", signer.address.lower())
        page.fill("#key-label", HOSTILE_LABEL)
        page.click("#key-submit")
        added = page.locator(f'#keys tr.key[data-key="{signer.address}"]')
        added.wait_for()
        assert added.locator(".label").inner_text() == HOSTILE_LABEL
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#keys img").count() == 0
        assert added.locator(".badge").inner_text() == "Active"

        # Revoke: a confirmation first; cancel keeps the key, confirming revokes it.
        added.locator("button.revoke").click()
        assert page.is_visible("#revoke-confirm")
        assert page.inner_text("#revoke-confirm-key") == f"{HOSTILE_LABEL} · {signer.address}"
        page.click("#revoke-cancel")
        assert page.is_hidden("#revoke-confirm")
        (key,) = [k for k in api("/v1/publishers/me/signing-keys") if k["key"] == signer.address]
        assert key["revoked_at"] is None
        added.locator("button.revoke").click()
        page.click("#revoke-go")
        page.wait_for_selector(f'#keys tr.key[data-key="{signer.address}"][data-revoked=true]')
        (key,) = [k for k in api("/v1/publishers/me/signing-keys") if k["key"] == signer.address]
        assert key["revoked_at"] is not None
        assert added.locator("button.revoke").count() == 0
        assert added.locator(".badge").inner_text().startswith("Revoked ")

        assert axe_violations(page) == []
        screenshot(page, "publisher-console")
        assert problems == [], problems

        # The language switch: the same console in Simplified Chinese (a reload signs out).
        page.click('form.lang button[value="zh-CN"]')
        page.wait_for_selector('html[lang="zh-CN"]')
        assert page.inner_text("h1") == "发布商控制台" and page.is_hidden("#console")
    finally:
        server.__exit__(None, None, None)
