"""The advertiser console (/console/advertiser) in headless Chromium, driven by Playwright.

Against anvil, the real outbox and sender, the indexer and the API under uvicorn (the
settlement world of tests/settlement: a custodial advertiser with a funded campaign, two
publishers): sign in with the API key, create a campaign named with markup (shown as text,
never run), the API's refusal of bad terms shown next to its field, fund custodially
(pending until mirrored), the settlement timeline of a committed epoch with its maturity
countdown and the challenge button showing the bond, an event's proof checked in the browser
(hashes, Merkle path, and the escrow's views through the test wallet's node). axe-core finds no
serious or critical violation; screenshots go to build/screenshots/.
"""

from __future__ import annotations


import pytest

from tests.api.conftest import custody, database_url, make_api, outbox  # noqa: F401  (fixtures)
from tests.browser.live_server import LiveServer
from eth_account import Account

from tests.browser.wallet_support import ROOT, axe_violations, install_wallet, needs_page, record_page_errors, screenshot
from tests.settlement.conftest import chain_api, world  # noqa: F401  (fixtures)
from tests.settlement.support import closed_epoch_time, cpm

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
BUNDLE = ROOT / "backend" / "web" / "static" / "dist" / "advertiser.js"

pytestmark = needs_page(BUNDLE)

HOSTILE_NAME = 'Spring <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> sale'
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def served(world):  # noqa: F811
    """The world's app under uvicorn; SIWE's domain and the cookies are the live server's origin."""
    app = world.chain_api.api.app
    with LiveServer(app) as base:
        app.state.settings = world.settings.model_copy(update={"public_base_url": base})
        yield base


def open_page(chromium, base: str, errors: list[str], w3=None):
    context = chromium.new_context(viewport=DESKTOP, device_scale_factor=1, locale="en-GB", timezone_id="Europe/Berlin")
    if w3 is not None:  # a wallet on the chain's node, for the proof check's reads
        install_wallet(context, Account.from_key(b"\x07" * 32), w3.eth.chain_id, [], w3=w3)
    page = context.new_page()
    record_page_errors(page, errors)
    response = page.goto(f"{base}/console/advertiser")
    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    return context, page


def sign_in_with_key(page, key: str) -> None:
    page.fill("#signin-key", key)
    page.click("#signin-key-form button[type=submit]")
    page.wait_for_selector("#signin-status[data-state=signed-in]")
    page.wait_for_selector("#campaigns-loading", state="hidden")


def row(page, name: str):
    return page.locator("#campaigns tbody tr").filter(has=page.locator("td.name", has_text=name))


def test_sign_in_create_refusal_fund_timeline_challenge_proof(world, served, chromium):  # noqa: F811
    base = served
    publisher = world.publishers[0]
    received = closed_epoch_time()
    world.traffic(publisher, impressions=1_000, clicks=4, received_at=received)
    world.settle()
    world.mine()  # the epoch's root is committed: inside its challenge window
    existing = world.campaign

    errors: list[str] = []
    context, page = open_page(chromium, base, errors, w3=world.w3)
    assert page.inner_text("h1") == "Advertiser console"
    assert page.is_hidden("#console")
    assert axe_violations(page) == []
    screenshot(page, "advertiser-console-signed-out")

    # A wrong key: the API's message, not JSON.
    page.fill("#signin-key", "tl_not-a-key")
    page.click("#signin-key-form button[type=submit]")
    page.wait_for_selector("#toast.error")
    assert "{" not in page.inner_text("#toast")
    assert page.is_hidden("#console")

    sign_in_with_key(page, world.advertiser.api_key)
    assert page.inner_text("#signin-status") == "Signed in as advertiser"
    first = row(page, existing["name"])
    assert first.locator(".badge").inner_text() == "Active"
    assert first.get_attribute("data-pending") is None

    # Create: bad terms are refused by the API, the refusal shown next to its field.
    page.fill("#create-name", HOSTILE_NAME)
    page.fill("#create-budget", "250")
    page.fill("#create-window", "0")
    page.click("#create-submit")
    pricing_error = page.locator('[data-error-for="terms.pricing"]')
    pricing_error.wait_for()
    assert pricing_error.inner_text() == "needs at least one of: cpm, cpc, cpa"
    window_error = page.locator('[data-error-for="terms.conditions.attribution_window_days"]')
    assert window_error.is_visible() and window_error.inner_text()
    assert page.get_attribute("#create-window", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "create-window"
    assert axe_violations(page) == []
    screenshot(page, "advertiser-console-refusal")

    page.fill("#create-window", "7")
    page.fill("#create-cpm", "2.5")
    page.fill("#create-cpc", "0.1")
    page.click("#create-submit")
    created = row(page, HOSTILE_NAME)
    created.wait_for()
    assert page.is_hidden('[data-error-for="terms.pricing"]'), "a resubmission clears the old refusals"
    assert created.locator("td.name").inner_text() == HOSTILE_NAME
    assert created.get_attribute("data-pending") == "true"
    assert created.locator(".badge").inner_text() == "Pending", "not created on chain yet"
    assert created.locator("span.pending:not(.badge)").count() == 0
    assert page.evaluate("window.__pwned") is None, "the name is text: nothing of it ran"
    assert page.locator("#campaigns tbody tr").count() == 2

    # Not yet on chain: funding it is refused with the API's message.
    created.locator("button.open").click()
    expect(page.locator("#detail-title")).to_have_text(HOSTILE_NAME)
    page.fill("#fund-amount", "100")
    page.click("#fund-submit")
    page.wait_for_selector("#toast.error")
    assert "not mined and mirrored yet" in page.inner_text("#toast")

    world.mine()
    page.fill("#fund-amount", "abc")
    page.click("#fund-submit")
    assert page.is_visible('[data-error-for="amount"]')
    page.fill("#fund-amount", "100")
    page.click("#fund-submit")
    page.wait_for_selector("#toast:not(.error)")
    assert page.inner_text("#toast") == "Deposit of 100.00 tUSD queued; pending until the ledger records it."
    expect(page.locator("#detail-facts")).to_contain_text("SettlementToken.approve")
    assert created.locator("span.pending:not(.badge)").inner_text() == "Pending: the ledger has not confirmed this yet"
    world.mine()
    created.locator("button.open").click()
    expect(page.locator("#detail-status .pending")).to_have_count(0)
    assert page.locator("#detail-status .badge").inner_text() == "Active"
    assert "100.00" in page.locator("#detail-facts dd").nth(1).inner_text()
    assert page.evaluate("window.__pwned") is None
    screenshot(page, "advertiser-console-funded")

    # The funded campaign with its committed epoch: countdown and the challenge button with the bond.
    first.locator("button.open").click()
    settlement = page.locator("#timeline li.settlement").first
    settlement.wait_for()
    listing = world.client.get(f"/v1/settlements/campaigns/{existing['id']}", headers=world.advertiser.headers).json()
    (epoch,) = listing["settlements"]
    assert settlement.get_attribute("data-epoch") == str(epoch["epoch"])
    text = settlement.inner_text()
    assert epoch["commit"]["tx_hash"] in text and epoch["events_root"] in text
    assert settlement.locator("h4 .badge").inner_text() == "Committed"
    countdown = settlement.locator(".countdown")
    assert countdown.inner_text().startswith("in 59 min"), countdown.inner_text()  # a 3,600 s window, just opened
    before = countdown.inner_text()
    expect(countdown).not_to_have_text(before)  # it ticks
    bond = next(t for t in world.client.get("/v1/tokens").json() if t["symbol"] == "tUSD")["challenge_bond"]
    button = settlement.locator("button.challenge")
    assert bond is not None and button.inner_text().endswith(f"{int(bond) / 10**6:,.2f} tUSD)")
    assert page.locator("#spend-chart canvas").count() == 1 and page.locator("#traffic-chart canvas").count() == 1
    assert page.locator("#effective dd").first.inner_text() == f"{cpm(1000) * 1000 // 1000 / 10**6:,.2f} tUSD"
    assert axe_violations(page) == []
    screenshot(page, "advertiser-console")

    # Proof lookup of a billed event: in a committed root, on chain.
    event_id = next(iter(world.event_ids(publisher, "billed").values()))
    page.fill("#proof-event", str(event_id))
    page.click("#proof-form button[type=submit]")
    page.wait_for_selector("#proof-result:not([hidden])")
    proof = page.locator("#proof-result dd").all_inner_texts()
    assert proof[0] == str(epoch["epoch"]) and proof[1] == epoch["events_root"] and proof[4] == "Yes: the root is committed on chain"
    # Checked in the browser, not trusting the API: hashes and path here, the escrow through the wallet's node.
    expect(page.locator("#proof-verdict")).to_have_attribute("data-state", "verified")
    checks = page.locator("#proof-checks li")
    assert [li.get_attribute("data-check") for li in checks.all()] == [
        "chain", "escrow", "eventHash", "recordMatchesLeaf", "merklePath", "recordOnChain", "verifyEvent"]
    assert page.locator("#proof-checks li.fail").count() == 0
    page.locator("#proof-check").scroll_into_view_if_needed()
    page.locator("#proof-check").locator("xpath=..").screenshot(path=str(screenshot(page, "advertiser-console-proof-check")))
    page.fill("#proof-event", "999999")
    page.click("#proof-form button[type=submit]")
    page.wait_for_selector("#proof-result", state="hidden")
    assert page.is_hidden("#proof-check")
    assert axe_violations(page) == []
    screenshot(page, "advertiser-console-proof")

    button.click()
    expect(page.locator("#toast")).to_have_text("Challenge queued; pending until the ledger records it.")
    world.mine()
    listing = world.client.get(f"/v1/settlements/campaigns/{existing['id']}", headers=world.advertiser.headers).json()
    assert listing["open_challenge"]["epoch"] == epoch["epoch"], "the advertiser's challenge is on chain"
    first.locator("button.open").click()
    expect(settlement.locator("h4 .badge")).to_have_text("Challenged")
    assert settlement.locator("button.challenge").count() == 0, "one open challenge at a time"
    assert errors == [], errors
    context.close()
