"""Challenges through the API on anvil: an open challenge freezes maturing (payouts stay at the matured
root); upheld, the disputed epoch is discarded, re-settled with the auditor's corrections under a
new epoch, and payouts resume from the last good root; rejected, the bond is forfeited and the
root matures once its restarted window has passed."""

from __future__ import annotations

from sqlalchemy import text

from backend.campaigns.demo import DEMO_TERMS
from backend.settlement.keeper import MATURE_KIND
from tests.settlement.support import UNIT, WINDOW, closed_epoch_time, cpm, fee

CPC = DEMO_TERMS["pricing"]["cpc"]
BOND = 100 * UNIT  # deploy_all's challenge bond


def settle_and_pay(world) -> None:
    """Commit what is due, let its window pass, mature it and pay everyone."""
    world.settle()
    world.mine()
    world.advance(WINDOW)
    world.keep()
    world.mine()
    world.keep()
    world.mine()


def listing(world) -> dict:
    response = world.client.get(f"/v1/settlements/campaigns/{world.campaign['id']}", headers=world.advertiser.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_upheld_challenge_discards_the_epoch_and_payouts_resume_from_the_last_good_root(world):
    p1, p2 = world.publishers
    t = closed_epoch_time() - 60
    start = {p.address: world.balance(p.address) for p in (p1, p2)}
    world.traffic(p1, impressions=1_000, received_at=t)
    world.traffic(p2, impressions=500, received_at=t)
    settle_and_pay(world)
    assert world.balance(p1.address) - start[p1.address] == cpm(1_000) - fee(cpm(1_000))

    world.traffic(p1, impressions=500, clicks=4, received_at=t + 30, tag="b")
    disputed = world.settle()
    world.mine()
    clicks = sorted(i for k, i in world.event_ids(p1, "billed").items() if k.startswith("b-c"))
    assert len(clicks) == 4

    before_bond = world.balance(world.advertiser.address)
    body = {"campaign_id": world.campaign["id"], "epoch": disputed.epoch}
    opened = world.api("POST", "/v1/challenges", world.advertiser, json=body)
    assert opened.status_code == 202, opened.text
    kinds = [tx["kind"] for tx in opened.json()["transactions"]]
    assert kinds == ["SettlementToken.approve", "CampaignEscrow.challenge"]
    world.mine()
    assert world.balance(world.advertiser.address) == before_bond - BOND
    again = world.api("POST", "/v1/challenges", world.advertiser, json=body)
    assert again.status_code == 409 and again.json()["error"]["code"] == "challenge_open"
    state = listing(world)
    assert state["open_challenge"]["epoch"] == disputed.epoch
    assert state["settlements"][0]["status"] == "challenged"
    queue = world.client.get("/v1/challenges", headers=world.chain_api.admin()).json()
    assert [(c["chain_campaign_id"], c["epoch"]) for c in queue] == [(world.chain_id, disputed.epoch)]

    world.advance(WINDOW)
    frozen = world.keep()
    assert frozen.matured is None and frozen.payouts == [], "nothing matures while the challenge is open"
    assert world.outbox_count(MATURE_KIND) == 1
    (line,) = world.client.get(f"/v1/payouts/{p1.participant_id}", headers=p1.headers).json()["campaigns"]
    assert line["frozen"] and (line["committed"], line["matured"], line["claimable"]) == (
        str(cpm(1_500) + 4 * CPC), str(cpm(1_000)), "0"
    )
    asked = world.api("POST", f"/v1/payouts/{p1.participant_id}", p1, json={"campaign_id": world.campaign["id"]})
    assert asked.status_code == 409 and asked.json()["error"]["code"] == "nothing_to_pay"

    world.fund_gas(world.auditor.address)
    wrong = world.api("POST", f"/v1/challenges/{world.campaign['id']}/resolution", world.auditor,
                      json={"upheld": True, "invalid_event_ids": [clicks[0], 10**9]})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "invalid_events"
    resolved = world.api("POST", f"/v1/challenges/{world.campaign['id']}/resolution", world.auditor,
                         json={"upheld": True, "invalid_event_ids": clicks})
    assert resolved.status_code == 202, resolved.text
    assert resolved.json()["corrections"] == 4
    world.mine()
    assert world.balance(world.advertiser.address) == before_bond, "an upheld challenge returns the bond"

    undone = world.keep()
    assert undone.undone == [disputed.epoch]
    with world.engine.connect() as connection:
        reasons = dict(connection.execute(text(
            "SELECT client_event_id, reason FROM ad_events WHERE publisher = :p AND client_event_id LIKE 'b-c%'"
        ), {"p": p1.address}).all())
    assert set(reasons.values()) == {"disputed"}
    assert listing(world)["settlements"][0]["status"] == "discarded"

    corrected = world.settle()
    assert corrected.epoch > disputed.epoch and corrected.billed == 500 and corrected.billed_amount == cpm(500)
    settle_and_pay(world)
    total = cpm(1_500)
    assert world.escrow.functions.settledOf(world.chain_id, p1.address).call() == total
    assert world.balance(p1.address) - start[p1.address] == total - fee(total), "fees on the cumulative amount"
    assert world.balance(p2.address) - start[p2.address] == cpm(500) - fee(cpm(500))
    epochs = {s["epoch"]: s["status"] for s in listing(world)["settlements"]}
    assert epochs[disputed.epoch] == "discarded" and epochs[corrected.epoch] == "matured"


def test_rejected_publisher_challenge_forfeits_the_bond_and_the_root_matures_later(world):
    p1, p2 = world.publishers
    t = closed_epoch_time() - 60
    world.traffic(p1, impressions=1_000, received_at=t)
    world.traffic(p2, impressions=500, received_at=t)
    settle_and_pay(world)
    world.traffic(p1, impressions=500, received_at=t + 30, tag="b")
    disputed = world.settle()
    world.mine()

    world.chain_api.mint(world.chain_api.admin(), p2.address, BOND)
    world.fund_gas(p2.address)
    world.mine()
    held = world.balance(p2.address)
    body = {"campaign_id": world.campaign["id"], "epoch": disputed.epoch}
    opened = world.api("POST", "/v1/challenges", p2, json=body)
    assert opened.status_code == 202, opened.text  # billed nothing in that epoch; its cumulative leaf is in the root
    world.mine()
    assert world.balance(p2.address) == held - BOND

    world.advance(WINDOW // 2)
    world.fund_gas(world.auditor.address)
    resolution = f"/v1/challenges/{world.campaign['id']}/resolution"
    rejected = world.api("POST", resolution, world.auditor, json={"upheld": False})
    assert rejected.status_code == 202, rejected.text
    world.mine()
    assert world.keep().matured is None, "the window restarted at the resolution"
    world.advance(WINDOW)
    assert world.keep().matured == disputed.epoch
    world.mine()
    world.keep()
    world.mine()
    assert world.escrow.functions.settledOf(world.chain_id, p1.address).call() == cpm(1_500)
    (challenge,) = listing(world)["challenges"]
    assert (challenge["outcome"], challenge["challenger"]) == ("rejected", p2.address)
    assert world.balance(p2.address) == held - BOND, "a rejected challenge forfeits the bond"
