"""The demo's settlement step on anvil: one epoch settled, matured and paid, one proof verified on chain."""

from __future__ import annotations

import time

from backend.campaigns.demo import DEMO_TERMS
from backend.settlement.demo import run_settlement_demo
from tests.settlement.support import cpm, fee


def test_settlement_demo_pays_the_publishers_and_verifies_a_proof(world):
    p1, p2 = world.publishers
    now = int(time.time())
    world.traffic(p1, impressions=400, clicks=3, received_at=now)
    world.traffic(p2, impressions=250, received_at=now)
    steps: list[str] = []

    demo = run_settlement_demo(
        world.client, world.settings, campaign=world.campaign, publishers=world.publishers, settle=world.mine,
        progress=steps.append,
    )

    earned = {p1.address: cpm(400) + 3 * DEMO_TERMS["pricing"]["cpc"], p2.address: cpm(250)}
    assert {b["address"]: b["received"] for b in demo.balances} == {a: v - fee(v) for a, v in earned.items()}
    assert demo.billed_events == 653 and demo.cumulative_spent == sum(earned.values())
    assert demo.verification.verified and demo.proof["leaf"]["kind"] == 1
    assert demo.commit_tx is not None and steps == demo.steps and len(steps) == 5
