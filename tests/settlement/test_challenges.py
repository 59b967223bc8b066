"""Challenges through the API on anvil: an open challenge freezes maturing (payouts stay at the matured
root); upheld, the disputed epoch is discarded, re-settled with the auditor's corrections under a
new epoch, and payouts resume from the last good root; rejected, the bond is forfeited and the
root matures once its restarted window has passed."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import text
from sqlmodel import Session

from backend.campaigns.demo import DEMO_TERMS
from backend.chain.outbox import OutboxStatus, OutboxTransaction, utcnow
from backend.chain.sender.runner import Sender
from backend.settlement.payouts.keeper import MATURE_KIND
from backend.settlement.models import Settlement
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


def hold(world, outbox_id: int, held: bool) -> None:
    """Keep the relayer from sending one row (a relayer behind: backing off, out of gas), or let it go."""
    with Session(world.engine) as session:
        row = session.get(OutboxTransaction, outbox_id)
        row.next_attempt_at = utcnow() + timedelta(days=1) if held else None
        session.add(row)
        session.commit()


def mine_all_but_one(world) -> None:
    """Send every queued transaction but the one held row, then mirror the chain up to its head."""
    sender = Sender(world.settings)
    try:
        deadline = time.monotonic() + 30
        while sender.pending()[0] > 1:
            assert time.monotonic() < deadline, "the outbox did not drain"
            if sender.run_once() == 0:
                time.sleep(0.02)
    finally:
        sender.close()
    world.chain_api.chain.indexer.sync_to_head(timeout=30)


def stored(world, settlement_id: int) -> Settlement:
    with Session(world.engine) as session:
        return session.get(Settlement, settlement_id)


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


def test_a_commit_queued_before_the_challenge_was_upheld_reverts_and_its_events_settle_again_at_the_new_revision(
    world,
):
    """The hole the signed revision closes: a commit built on the disputed root, queued before the challenge was
    upheld and sent after, would pass every other check and become a root of the new revision. It reverts
    (CampaignEscrowStaleRevision); the keeper fails it and re-opens its events, and the next pass commits
    corrected figures signed at the new revision."""
    p1, p2 = world.publishers
    t = closed_epoch_time() - 60
    start = {p.address: world.balance(p.address) for p in (p1, p2)}
    world.traffic(p1, impressions=1_000, received_at=t)
    settle_and_pay(world)
    world.traffic(p1, impressions=500, clicks=4, received_at=t + 30, tag="b")
    disputed = world.settle()
    world.mine()
    clicks = sorted(i for k, i in world.event_ids(p1, "billed").items() if k.startswith("b-c"))
    world.traffic(p2, impressions=300, received_at=t + 60, tag="c")
    queued = world.settle()  # priced on the disputed epoch's figures, signed at revision 0
    assert queued.committed and queued.epoch > disputed.epoch and queued.billed == 300
    settlement = stored(world, queued.settlement_id)
    assert (settlement.revision, settlement.cumulative_spent) == (0, cpm(1_500) + 4 * CPC + cpm(300))
    hold(world, settlement.outbox_id, held=True)

    body = {"campaign_id": world.campaign["id"], "epoch": disputed.epoch}
    assert world.api("POST", "/v1/challenges", world.advertiser, json=body).status_code == 202
    mine_all_but_one(world)
    world.fund_gas(world.auditor.address)
    resolved = world.api("POST", f"/v1/challenges/{world.campaign['id']}/resolution", world.auditor,
                         json={"upheld": True, "invalid_event_ids": clicks})
    assert resolved.status_code == 202, resolved.text
    mine_all_but_one(world)
    hold(world, settlement.outbox_id, held=False)
    world.mine()  # the relayer catches up: the stale commit is sent only now

    with Session(world.engine) as session:
        row = session.get(OutboxTransaction, settlement.outbox_id)
        assert row.status == OutboxStatus.REVERTED and "CampaignEscrowStaleRevision" in (row.error or ""), row.error
    assert queued.epoch not in [c.args.epoch for c in world.commits()], "the chain kept nothing of it"

    undone = world.keep()
    assert undone.undone == [disputed.epoch, queued.epoch]
    assert (stored(world, disputed.settlement_id).status, stored(world, queued.settlement_id).status) == (
        "discarded", "failed"
    )
    assert stored(world, queued.settlement_id).status_reason.startswith("commitSettlement reverted")
    assert set(world.event_ids(p2, "accepted")) == {f"c-i{n}" for n in range(300)}, "its events were re-opened"

    corrected = world.settle()
    assert corrected.epoch > queued.epoch and corrected.billed == 800 and corrected.billed_amount == cpm(800)
    assert stored(world, corrected.settlement_id).revision == 1
    world.mine()
    commit = next(c for c in world.commits() if c.args.epoch == corrected.epoch)
    assert commit.args.cumulativeSpent == cpm(1_000) + cpm(800), "continues from the matured root, clicks filtered"
    settle_and_pay(world)
    assert world.escrow.functions.settledOf(world.chain_id, p1.address).call() == cpm(1_500)
    assert world.escrow.functions.settledOf(world.chain_id, p2.address).call() == cpm(300)
    assert world.balance(p2.address) - start[p2.address] == cpm(300) - fee(cpm(300))
    statuses = {s["epoch"]: s["status"] for s in listing(world)["settlements"]}
    assert (statuses[disputed.epoch], statuses[queued.epoch], statuses[corrected.epoch]) == (
        "discarded", "failed", "matured"
    )
