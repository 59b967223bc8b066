"""A budget runs out: billing stops exactly at the deposit, the rest is marked over budget and never
billed, an epoch that bills nothing commits nothing, and a top-up bills only new events. Then a
publisher asks for its payout itself, beside the keeper."""

from __future__ import annotations

from backend.settlement.payouts.owed import PAYOUT_KIND
from backend.settlement.cosigning.commit import COMMIT_KIND
from tests.campaigns.support import keyed
from tests.settlement.support import UNIT, WINDOW, build_world, closed_epoch_time, cpm, fee


def test_billing_stops_at_the_deposit_and_resumes_after_a_top_up(chain_api):
    world = build_world(chain_api, budget=5 * UNIT)
    p1, p2 = world.publishers
    t = closed_epoch_time() - 60
    world.traffic(p1, impressions=2_000, received_at=t)
    world.traffic(p2, impressions=1_000, received_at=t + 1)

    first = world.settle()
    assert (first.billed, first.over_budget, first.billed_amount) == (2_500, 500, 5 * UNIT)
    assert cpm(2_000) + cpm(500) == 5 * UNIT
    billed_id = min(world.event_ids(p1, "billed").values())
    early = world.client.get(f"/v1/events/{billed_id}/proof", headers=p1.headers).json()
    assert (early["on_chain"], early["settlement_record"]) == (False, None), "committed, not mined yet"
    over_id = min(world.event_ids(p2, "over_budget").values())
    refused = world.client.get(f"/v1/events/{over_id}/proof", headers=world.advertiser.headers)
    assert refused.status_code == 409 and refused.json()["error"]["details"]["status"] == "over_budget"
    world.mine()
    (commit,) = world.commits()
    deposit = world.escrow.functions.campaign(world.chain_id).call()[5]
    assert commit.args.cumulativeSpent == deposit == 5 * UNIT
    assert world.statuses() == {"billed": 2_500, "over_budget": 500}

    world.traffic(p1, impressions=100, received_at=t + 30)
    dry = world.settle()
    assert (dry.committed, dry.billed, dry.over_budget) == (False, 0, 100), "nothing billed, nothing committed"
    assert world.outbox_count(COMMIT_KIND) == 1

    topped = chain_api.client.post(
        f"/v1/campaigns/{world.campaign['id']}/fund", json={"amount": UNIT}, headers=keyed(world.advertiser.headers)
    )
    assert topped.status_code == 202, topped.text
    world.mine()
    world.traffic(p2, impressions=600, received_at=t + 60)
    after = world.settle()
    assert (after.billed, after.over_budget, after.billed_amount) == (500, 100, UNIT)
    world.mine()
    assert [c.args.cumulativeSpent for c in world.commits()] == [5 * UNIT, 6 * UNIT]
    assert world.statuses() == {"billed": 3_000, "over_budget": 700}, "earlier over-budget events stay unbilled"
    report = world.client.get(
        f"/v1/settlements/campaigns/{world.campaign['id']}/report", headers=world.advertiser.headers
    ).json()
    assert (report["deposit"], report["billed"], report["spent"]) == (str(6 * UNIT),) * 3

    world.advance(WINDOW)
    world.keep()
    world.mine()
    before = world.balance(p1.address)
    path = f"/v1/payouts/{p1.participant_id}"
    asked = world.api("POST", path, p1, json={"campaign_id": world.campaign["id"]})
    assert asked.status_code == 202 and asked.json()["kind"] == PAYOUT_KIND, asked.text
    again = world.api("POST", path, p1, json={"campaign_id": world.campaign["id"]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "payout_not_possible"
    assert world.keep().payouts == [p2.address], "the keeper leaves the publisher's own payout alone"
    world.mine()
    assert world.balance(p1.address) - before == cpm(2_000) - fee(cpm(2_000))
    assert world.outbox_count(PAYOUT_KIND) == 2
