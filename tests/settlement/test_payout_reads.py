"""A publisher's payouts (``GET /v1/payouts/{id}``) read from rows written directly, without a chain:
committed is the publisher's leaf in the newest live settlement (a discarded one does not count),
matured the leaf in the settlement whose balance root matured on chain (none when the roots differ),
in flight only the payouts still on their way; and the number of queries does not grow with the
number of campaigns (it was five per campaign)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session

from backend.campaigns.mirror import Mirror
from backend.chain.outbox import OutboxStatus, OutboxTransaction
from backend.identity.models import Participant, ParticipantStatus
from backend.settlement.models import Settlement, SettlementBalance, SettlementStatus
from backend.settlement.onchain.writes import payout_reference
from backend.settlement.reports import publisher_payouts
from indexer import models as chain
from tests.mirror_rows import counted_statements, mirrored_session

CHAIN_ID = 31337
ESCROW = "0x" + "e5" * 20
TOKEN = "0x" + "70" * 20
PUBLISHER = "0x" + "b1" * 20
OTHER = "0x" + "b2" * 20


@pytest.fixture
def session(tmp_path) -> Iterator[Session]:
    with mirrored_session(tmp_path / "payouts.db", CHAIN_ID, head=50) as session:
        yield session


def root(n: int) -> bytes:
    return n.to_bytes(32, "big")


def add_campaign(session: Session, campaign_id: int, epochs: dict[int, tuple[str, dict[str, int]]],
                 matured: tuple[int, bytes] | None) -> dict[int, int]:
    """Settlements at `epochs` (epoch -> (status, publisher -> cumulative earned, in the root when > 0)),
    the mirrored campaign with `matured` (epoch, balance root), and the publisher's share."""
    ids = {}
    for epoch, (status, earned) in epochs.items():
        row = Settlement(escrow_address=ESCROW, campaign_id=campaign_id, epoch=epoch, events_root=root(epoch),
                         balance_root=root(1000 * campaign_id + epoch), cumulative_spent=0, billed_amount=0,
                         event_count=0, revision=0, priced_count=0, signatures=b"", status=status)
        session.add(row)
        session.flush()
        ids[epoch] = row.id
        for publisher, amount in earned.items():
            session.add(SettlementBalance(settlement_id=row.id, publisher=publisher, cumulative_earned=amount,
                                          in_root=amount > 0, tally="{}"))
    session.add(chain.Campaign(
        contract=ESCROW, campaign_id=campaign_id, advertiser=OTHER, token=TOKEN, terms_hash="0x" + "00" * 32,
        matured_epoch=matured[0] if matured else 0, matured_root="0x" + matured[1].hex() if matured else None,
        updated_block=1))
    session.add(chain.CampaignPublisher(contract=ESCROW, campaign_id=campaign_id, publisher=PUBLISHER, settled=10,
                                        paid=9, fees=1, updated_block=1))
    session.flush()
    return ids


def payout(session: Session, campaign_id: int, status: OutboxStatus, nonce: int) -> None:
    session.add(OutboxTransaction(sender=OTHER, to=ESCROW, data=b"", kind="CampaignEscrow.payout", status=status,
                                  reference=payout_reference(ESCROW, campaign_id, PUBLISHER), nonce=nonce,
                                  tx_hash=f"0x{nonce:064x}"))


def read(session: Session, publisher: Participant) -> tuple[dict[int, object], int]:
    assert publisher.chain_address  # loaded (after a commit) and the mirror known ready, before counting
    mirror = Mirror(session, CHAIN_ID)
    with counted_statements(session) as statements:
        result = publisher_payouts(session, mirror, ESCROW, publisher)
    return {line.chain_campaign_id: line for line in result.campaigns}, statements


def test_committed_matured_in_flight_per_campaign_in_a_fixed_number_of_queries(session):
    publisher = Participant(display_name="P", chain_address=PUBLISHER, custody_mode="custodial",
                            status=ParticipantStatus.APPROVED)
    session.add(publisher)
    live, discarded = SettlementStatus.LIVE, SettlementStatus.DISCARDED
    # 1: epoch 2 matured (its root on chain), epoch 3 newest.
    add_campaign(session, 1, {1: (live, {PUBLISHER: 10}), 2: (live, {PUBLISHER: 20, OTHER: 5}),
                                      3: (live, {PUBLISHER: 30})}, matured=None)
    session.get(chain.Campaign, (ESCROW, 1)).matured_epoch = 2
    session.get(chain.Campaign, (ESCROW, 1)).matured_root = "0x" + root(1002).hex()
    # 2: the newest epoch was discarded by a challenge; the chain's matured root is not ours.
    add_campaign(session, 2, {4: (live, {PUBLISHER: 40}), 5: (discarded, {PUBLISHER: 50})}, matured=(4, root(7)))
    # 3: the publisher has no leaf in the newest root; the matured one was discarded.
    add_campaign(session, 3, {6: (discarded, {PUBLISHER: 60}), 7: (live, {OTHER: 70})}, matured=(6, root(3006)))
    payout(session, 1, OutboxStatus.QUEUED, 1)
    payout(session, 1, OutboxStatus.MINED, 2)
    payout(session, 2, OutboxStatus.MINED, 3)
    session.commit()

    lines, queries = read(session, publisher)
    assert sorted(lines) == [1, 2, 3]
    assert (lines[1].committed, lines[1].matured, lines[1].claimable) == (30, 20, 10)
    assert (lines[2].committed, lines[2].matured) == (40, 0)
    assert (lines[3].committed, lines[3].matured) == (0, 0)
    assert [tx.status for tx in lines[1].in_flight] == ["queued"] and lines[1].in_flight[0].outbox_id == 1
    assert lines[2].in_flight == [] and lines[3].in_flight == []

    for campaign_id in range(4, 14):
        add_campaign(session, campaign_id, {1: (live, {PUBLISHER: 1}), 2: (live, {PUBLISHER: 2})},
                     matured=(1, root(1000 * campaign_id + 1)))
        payout(session, campaign_id, OutboxStatus.BROADCAST, 100 + campaign_id)
    session.commit()
    more, more_queries = read(session, publisher)
    assert len(more) == 13 and (more[9].committed, more[9].matured) == (2, 1) and len(more[9].in_flight) == 1
    assert len(more_queries) == len(queries), (more_queries, queries)
