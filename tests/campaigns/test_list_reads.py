"""The campaign list (`campaign_views`, behind ``GET /v1/campaigns``) reads the mirror's checkpoint
once for the whole list, not once per campaign: the same number of queries for 2 and 12 campaigns,
and a campaign whose create transaction is mined after the checkpoint is still pending."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from backend.campaigns.mirror import Mirror
from backend.campaigns.models import AnchorStatus, Campaign, CampaignAction, CampaignActionKind
from backend.campaigns.views import campaign_views
from backend.chain.outbox import OutboxStatus, OutboxTransaction
from backend.identity.models import Participant, ParticipantStatus
from indexer import models as chain
from tests.mirror_rows import counted_statements, mirrored_session

CHAIN_ID = 31337
ESCROW = "0x" + "e5" * 20
TOKEN = "0x" + "70" * 20


@pytest.fixture
def session(tmp_path) -> Iterator[Session]:
    with mirrored_session(tmp_path / "campaigns.db", CHAIN_ID, head=50, head_timestamp=1_000) as session:
        yield session


def add_campaigns(session: Session, advertiser: Participant, first: int, count: int, mined_at: int) -> None:
    for n in range(first, first + count):
        campaign = Campaign(name=f"C{n}", advertiser_id=advertiser.id, advertiser_address=advertiser.chain_address,
                            chain_id=CHAIN_ID, escrow_address=ESCROW, chain_campaign_id=n, anchoring=AnchorStatus.ANCHORED,
                            token_symbol="tUSD", token_address=TOKEN, terms_json="{}", terms_cid="c", terms_hash="h",
                            threshold=1, challenge_window=60, end_time=10_000)
        session.add(campaign)
        tx = OutboxTransaction(sender=advertiser.chain_address, to=ESCROW, data=b"", kind="CampaignEscrow.fund",
                               status=OutboxStatus.MINED, tx_hash=f"0x{n:064x}", block_number=mined_at, nonce=n)
        session.add(tx)
        session.flush()
        session.add(CampaignAction(campaign_id=campaign.id, kind=CampaignActionKind.FUND, amount=5,
                                   requested_by=advertiser.id, outbox_ids=[tx.id]))
        session.add(chain.Campaign(contract=ESCROW, campaign_id=n, advertiser=advertiser.chain_address, token=TOKEN,
                                   terms_hash="0x" + "00" * 32, deposited=5, end_time=10_000, updated_block=1))
    session.commit()


def views(session: Session) -> tuple[list, int]:
    rows = list(session.exec(select(Campaign).order_by(Campaign.chain_campaign_id)))
    mirror = Mirror(session, CHAIN_ID)
    assert mirror.ready
    with counted_statements(session) as statements:
        listed = campaign_views(session, mirror, rows)
    return listed, len(statements)


def test_the_list_reads_the_checkpoint_once_and_marks_unmirrored_funding_pending(session):
    advertiser = Participant(display_name="A", chain_address="0x" + "ad" * 20, custody_mode="custodial",
                             status=ParticipantStatus.APPROVED, id=uuid.uuid4())
    session.add(advertiser)
    session.flush()
    add_campaigns(session, advertiser, 1, 1, mined_at=40)  # mirrored
    add_campaigns(session, advertiser, 2, 1, mined_at=60)  # mined after the checkpoint: pending
    few, few_queries = views(session)
    pending = {view.name: [t.kind for t in view.pending_transactions] for view in few}
    assert pending == {"C1": [], "C2": ["CampaignEscrow.fund"]}

    add_campaigns(session, advertiser, 3, 10, mined_at=40)
    many, many_queries = views(session)
    assert len(many) == 12 and many_queries == few_queries
