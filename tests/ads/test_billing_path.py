"""Stored events -> pricing -> event leaves -> a Merkle proof: the pieces settlement will chain."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from backend.ads.event_hash import event_hash, record_of_row
from backend.campaigns.kinds import EventKind
from backend.ads.models import status_for
from backend.ads.pricing import BillableEvent, price_events
from backend.proofs.merkle import MerkleTree, verify_proof
from backend.settlement.encoding.leaves import BalanceLeaf
from backend.settlement.proofs.event_proof import billed_event_leaf
from tests.ads.factories import BOT_AGENT, NOW, PUBLISHER, click, conversion, impression, ingest, terms


def test_accepted_events_are_priced_and_their_leaves_proven_without_personal_data(engine):
    ingest(engine, [impression(f"i{n}") for n in range(3)] + [click("c1", "i0", "k1"), conversion("v1", "k1")])
    ingest(engine, [impression("bot", user_agent=BOT_AGENT)], received_at=NOW + 1)
    pricing_terms = terms(cpm=1_500, cpc=200, cpa=5_000)
    with engine.connect() as connection:
        accepted = connection.execute(
            text("SELECT * FROM ad_events WHERE status = 'accepted' ORDER BY id")
        ).mappings().all()
    result = price_events(
        pricing_terms,
        [
            BillableEvent(
                r["id"], r["publisher"], EventKind(r["kind"]), r["occurred_at"], r["received_at"], r["click_at"]
            )
            for r in accepted
        ],
        tallies={},
        cumulative_spent=0,
        deposit=10**9,
    )
    assert [e.price for e in result.events] == [1, 2, 1, 200, 5_000]
    with engine.begin() as connection:
        for priced in result.events:
            status, reason = status_for(priced.outcome)
            connection.execute(
                text("UPDATE ad_events SET status = :s, reason = :r, price = :p WHERE id = :id"),
                {"s": status.value, "r": reason, "p": priced.price, "id": priced.sequence},
            )
        rows = connection.execute(text("SELECT * FROM ad_events ORDER BY id")).mappings().all()
    billed = [row for row in rows if row["status"] == "billed"]
    leaves = [billed_event_leaf(row, epoch=row["epoch"]) for row in billed]
    tree = MerkleTree([leaf.hash() for leaf in leaves])
    for row, leaf in zip(billed, leaves):
        assert leaf.event_hash == event_hash(record_of_row(row))
        assert verify_proof(tree.proof(leaf.hash()), tree.root, leaf.hash())
        assert set(record_of_row(row)).isdisjoint({"ip", "device_id", "user_agent", "ip_hash", "device_hash"})
    assert [leaf.kind for leaf in leaves] == [0, 0, 0, 1, 2]
    balance = BalanceLeaf(1, PUBLISHER, result.tallies[PUBLISHER].earned)
    assert balance.cumulative_earned == sum(leaf.price for leaf in leaves) == result.cumulative_spent == 5_204
    (bot,) = [row for row in rows if row["client_event_id"] == "bot"]
    with pytest.raises(ValueError, match="not billed"):
        billed_event_leaf(bot, epoch=bot["epoch"])
