"""A non-custodial advertiser in the advertiser console (/console/advertiser), headless Chromium.

Against anvil, the real outbox and sender, the indexer and the API under uvicorn (the campaign
world of tests/campaigns): the advertiser signs in with its wallet (EIP-4361), creates a campaign
(the API answers 422 signed_transaction_required, the wallet signs createCampaign with
eth_signTransaction, the page sends it again), declines a signature (shown as such, nothing
queued), then funds it: the wallet signs an EIP-2612 permit for the escrow
(eth_signTypedData_v4) and the fundWithPermit transaction, the API relays the signed bytes, the
page shows the deposit pending and then, reading again by itself, the funded state from the
mirror. The escrow's balance and the campaign's deposit are checked on chain. Signed in with the API
key while the wallet holds another account, the page refuses before the wallet signs anything.
"""

from __future__ import annotations


import pytest
from eth_account import Account
from eth_utils import function_abi_to_4byte_selector

from contracts import load_artifact
from tests.api.conftest import custody, database_url, make_api, outbox  # noqa: F401  (fixtures)
from tests.browser.live_server import LiveServer
from tests.browser.wallet_support import ROOT, axe_violations, install_wallet, needs_page, record_page_errors, screenshot
from tests.campaigns.conftest import chain_api  # noqa: F401  (fixture)
from tests.campaigns.support import UNIT, WALLET_KEY
from tests.campaigns.test_non_custodial import onboard_wallet

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
BUNDLE = ROOT / "backend" / "web" / "static" / "dist" / "advertiser.js"

pytestmark = needs_page(BUNDLE)

NAME = "Wallet-funded spring sale"
DESKTOP = {"width": 1280, "height": 900}
DEPOSITED = 5  # index of `deposited` in ICampaignEscrow.Campaign


def selector(artifact: str, name: str) -> str:
    (entry,) = [e for e in load_artifact(artifact).abi if e.get("type") == "function" and e["name"] == name]
    return "0x" + function_abi_to_4byte_selector(entry).hex()


def test_a_non_custodial_advertiser_creates_and_funds_a_campaign_with_its_wallet(chain_api, chromium):  # noqa: F811
    w3 = chain_api.w3
    wallet = Account.from_key(WALLET_KEY)
    headers = onboard_wallet(chain_api, wallet)  # applied with SIWE as non_custodial, approved, 1,000 tUSD minted
    app = chain_api.api.app
    with LiveServer(app) as base:
        app.state.settings = chain_api.settings.model_copy(update={"public_base_url": base})
        context = chromium.new_context(viewport=DESKTOP, device_scale_factor=1, locale="en-GB",
                                       timezone_id="Europe/Berlin")
        signed: list[str] = []
        injected = install_wallet(context, wallet, w3.eth.chain_id, signed, w3=w3)
        page = context.new_page()
        errors = record_page_errors(page, [])
        assert page.goto(f"{base}/console/advertiser").status == 200

        page.click("#signin-wallet")
        page.wait_for_selector("#signin-status[data-state=signed-in]")
        page.wait_for_selector("#campaigns-loading", state="hidden")
        assert signed[0].startswith(f"{base} wants you to sign in with your Ethereum account:\n{wallet.address}")
        assert page.is_visible("#campaigns-empty")

        # Create: the API asks for the wallet's createCampaign; the page has it signed and sends it again.
        page.fill("#create-name", NAME)
        page.fill("#create-budget", "500")
        page.fill("#create-cpm", "2")
        page.click("#create-submit")
        created = page.locator("#campaigns tbody tr").filter(has=page.locator("td.name", has_text=NAME))
        created.wait_for()
        assert created.locator(".badge").inner_text() == "Pending", "not created on chain yet"
        (campaign,) = chain_api.client.get("/v1/campaigns", headers=headers).json()
        escrow_address, token_address = campaign["chain"]["escrow"], campaign["token"]["address"]
        escrow = w3.eth.contract(address=escrow_address, abi=load_artifact("CampaignEscrow").abi)
        token = w3.eth.contract(address=token_address, abi=load_artifact("SettlementToken").abi)
        assert signed[1:] == [f"tx:{escrow_address.lower()}:{selector('CampaignEscrow', 'createCampaign')}"]
        assert [t["kind"] for t in campaign["pending_transactions"]] == ["CampaignEscrow.createCampaign"]
        chain_api.settle()

        created.locator("button.open").click()
        expect(page.locator("#detail-title")).to_have_text(NAME)
        expect(page.locator("#detail-status .badge")).to_have_text("Unfunded")
        assert page.is_visible("#fund-note-wallet") and page.is_hidden("#fund-note-custodial")

        # Declined in the wallet: said so, and nothing is queued.
        injected.decline.add("eth_signTypedData_v4")
        page.fill("#fund-amount", "100")
        page.click("#fund-submit")
        expect(page.locator("#toast.error")).to_have_text(
            "Something went wrong: The signature was declined in the wallet; nothing was sent.")
        assert chain_api.client.get(f"/v1/campaigns/{campaign['id']}", headers=headers).json()[
            "pending_transactions"] == []
        injected.decline.clear()

        # Fund: a permit for the escrow, then the fundWithPermit transaction the API asked for.
        escrow_before = token.functions.balanceOf(escrow_address).call()
        wallet_before = token.functions.balanceOf(wallet.address).call()
        page.fill("#fund-amount", "100")
        page.click("#fund-submit")
        expect(page.locator("#toast")).to_have_text("Deposit of 100.00 tUSD queued; pending until the ledger records it.")
        assert signed[-2:] == ["typed:Permit", f"tx:{escrow_address.lower()}:{selector('CampaignEscrow', 'fundWithPermit')}"]
        permit = injected.typed[-1]
        assert permit["domain"]["verifyingContract"].lower() == token_address.lower()
        assert (permit["message"]["spender"].lower(), int(permit["message"]["value"])) == (escrow_address.lower(), 100 * UNIT)
        expect(page.locator("#detail-facts")).to_contain_text("CampaignEscrow.fundWithPermit")
        expect(page.locator("#detail-status .pending")).to_have_text("Pending: the ledger has not confirmed this yet")
        screenshot(page, "advertiser-console-wallet-pending")

        chain_api.settle()
        # The page reads the campaign again by itself until the mirror has the deposit.
        expect(page.locator("#detail-status .pending")).to_have_count(0, timeout=15_000)
        assert page.locator("#detail-status .badge").inner_text() == "Active"
        assert page.locator("#detail-facts dd").nth(1).inner_text() == "100.00 tUSD"
        expect(created.locator(".badge")).to_have_text("Active")

        chain_id = chain_api.client.get(f"/v1/campaigns/{campaign['id']}", headers=headers).json()["chain"]["campaign_id"]
        assert escrow.functions.campaign(chain_id).call()[DEPOSITED] == 100 * UNIT
        assert token.functions.balanceOf(escrow_address).call() - escrow_before == 100 * UNIT
        assert wallet_before - token.functions.balanceOf(wallet.address).call() == 100 * UNIT
        assert token.functions.allowance(wallet.address, escrow_address).call() == 0, "the permit was used up"
        assert axe_violations(page) == []
        screenshot(page, "advertiser-console-wallet-funded")
        assert errors == [], errors
        context.close()

        # Signed in with the API key while the wallet holds another account: refused before anything is signed.
        context = chromium.new_context(viewport=DESKTOP, locale="en-GB")
        other: list[str] = []
        install_wallet(context, Account.create("another account"), w3.eth.chain_id, other, w3=w3)
        page = context.new_page()
        page.goto(f"{base}/console/advertiser")
        page.fill("#signin-key", headers["Authorization"].removeprefix("Bearer "))
        page.click("#signin-key-form button[type=submit]")
        page.wait_for_selector("#signin-status[data-state=signed-in]")
        created = page.locator("#campaigns tbody tr").filter(has=page.locator("td.name", has_text=NAME))
        created.locator("button.open").click()
        expect(page.locator("#detail-title")).to_have_text(NAME)
        page.fill("#fund-amount", "1")
        page.click("#fund-submit")
        expect(page.locator("#toast.error")).to_contain_text(f"but this participant signs as {wallet.address}")
        assert other == [], "the other account signed nothing"
        assert escrow.functions.campaign(chain_id).call()[DEPOSITED] == 100 * UNIT
        context.close()

