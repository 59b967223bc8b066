"""The campaigns part of the demo, through the API on anvil, on SQLite and on PostgreSQL."""

from eth_account import Account
from sqlmodel import Session

from backend.ads.models import AdPublisherTally
from backend.campaigns.demo import BUDGET, FUNDED, MINTED, UNIT, demo_admin_key, run_campaign_demo
from backend.core.db import engine_for
from backend.identity.roles import Role
from contracts import load_artifact
from tests.api.support import BOTH_DATABASES
from tests.campaigns.support import ADMIN_KEY


@BOTH_DATABASES
def test_demo_onboards_mints_creates_and_funds_a_campaign(chain_api, database_url):
    admin_key = demo_admin_key(chain_api.settings, Account.from_key(ADMIN_KEY).address)
    assert demo_admin_key(chain_api.settings, None) != admin_key, "a later run gets a new key of the same admin"
    shown: list[str] = []

    demo = run_campaign_demo(chain_api.client, admin_key=admin_key, settle=chain_api.settle, progress=shown.append)

    assert shown == demo.steps and len(shown) == 6
    campaign = demo.campaign
    assert campaign["status"] == "active"
    assert campaign["chain"]["campaign_id"] == 1
    assert (campaign["deposit"], campaign["spent"], campaign["budget"]) == (str(FUNDED), "0", str(BUDGET))
    assert campaign["pending_transactions"] == [] and campaign["failed_transactions"] == []
    report = demo.report
    assert (report["deposit"], report["pending_deposit"], report["paid"], report["refunded"]) == (str(FUNDED), "0", "0", "0")
    assert [(row["role"], row["wallet"], row["in_escrow"]) for row in demo.balances] == [
        ("advertiser", str(MINTED - FUNDED), str(FUNDED)),
        ("publisher", "0", "0"),
        ("publisher", "0", "0"),
    ]
    escrow = chain_api.w3.eth.contract(address=campaign["chain"]["escrow"], abi=load_artifact("CampaignEscrow").abi)
    on_chain = escrow.functions.campaign(1).call()
    assert on_chain[0] == demo.advertiser.address and on_chain[5] == FUNDED, "the chain agrees with the mirror"


def test_publishers_see_their_own_earnings_per_campaign_and_token(chain_api):
    admin = chain_api.api.identity(Role.ADMIN, Role.KYC_OFFICER, address=Account.from_key(ADMIN_KEY).address)
    demo = run_campaign_demo(chain_api.client, admin_key=admin.key, settle=chain_api.settle)
    first, second = demo.publishers
    with Session(engine_for(chain_api.settings.database_url)) as session:
        session.add(AdPublisherTally(campaign_id=1, publisher=first.address, impressions=5_000, earned=10 * UNIT))
        session.commit()

    own = chain_api.client.get(f"/v1/publishers/{first.participant_id}/report", headers=first.headers)
    assert own.status_code == 200, own.text
    line = {"campaign_id": demo.campaign["id"], "chain_campaign_id": 1, "token": "tUSD",
            "earned": str(10 * UNIT), "paid": "0", "fees": "0", "pending": str(10 * UNIT)}
    assert own.json()["campaigns"] == [line]
    assert own.json()["totals"] == [{"token": "tUSD", "earned": str(10 * UNIT), "paid": "0", "fees": "0", "pending": str(10 * UNIT)}]
    assert chain_api.client.get(f"/v1/publishers/{second.participant_id}/report", headers=second.headers).json()["campaigns"] == []
    assert chain_api.client.get(f"/v1/publishers/{first.participant_id}/report", headers=second.headers).status_code == 404
    seen_by_admin = chain_api.client.get(f"/v1/publishers/{first.participant_id}/report", headers=admin.headers)
    assert seen_by_admin.json()["campaigns"] == [line]
