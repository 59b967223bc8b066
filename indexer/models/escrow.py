"""CampaignEscrow's state: campaigns, settlements, payouts, challenges, and the escrow's settings.

Amounts are base units of the campaign's token. A settlement row carries everything
of the contract's ``SettlementRecord`` (roots, cumulative spend, ``committed_at`` =
its log's block timestamp, the campaign ``revision`` then), so the API can build the
record that ``matureSettlement``, ``challenge`` and ``verifyEvent`` take.
"""

from __future__ import annotations


from sqlalchemy import Index
from sqlmodel import Field

from indexer.models.base import (
    EventRow,
    JsonDocument,
    MirrorTable,
    StateRow,
    address_field,
    big_int_field,
    hash_field,
    uint256_field,
)


class Escrow(MirrorTable, StateRow, table=True):
    """Settings of one escrow contract: treasury, global pause, timing parameters (seconds)."""

    __tablename__ = "chain_escrows"

    contract: str = address_field(primary_key=True)
    treasury: str | None = address_field(default=None)
    paused: bool = False
    settlement_grace: int = 0
    resolution_period: int = 0
    claim_period: int = 0
    min_challenge_window: int = 0
    max_challenge_window: int = 0


class EscrowToken(MirrorTable, StateRow, table=True):
    """A token's configuration in an escrow; campaigns snapshot fee and bond at creation."""

    __tablename__ = "chain_escrow_tokens"

    contract: str = address_field(primary_key=True)
    token: str = address_field(primary_key=True)
    allowed: bool = False
    fee_bps: int = 0
    challenge_bond: int = uint256_field(default=0)


class Campaign(MirrorTable, StateRow, table=True):
    """A campaign's terms (from CampaignCreated) and its money and settlement state since."""

    __tablename__ = "chain_campaigns"
    __table_args__ = (Index("ix_chain_campaigns_advertiser", "advertiser"),)

    contract: str = address_field(primary_key=True)
    campaign_id: int = big_int_field(primary_key=True)
    advertiser: str = address_field()
    token: str = address_field()
    terms_hash: str = hash_field()
    attesters: list[str] = Field(default_factory=list, sa_type=JsonDocument)
    threshold: int = 0
    verifier: str | None = address_field(default=None, description="null: no independent verifier")
    challenge_window: int = 0
    end_time: int = big_int_field(default=0)
    settlement_grace: int = 0
    fee_bps: int = 0
    challenge_bond: int = uint256_field(default=0)
    created_block: int = big_int_field(default=0)
    created_at: int = big_int_field(default=0)
    deposited: int = uint256_field(default=0)
    cumulative_spent: int = uint256_field(default=0)
    latest_epoch: int = big_int_field(default=0)
    matured_epoch: int = big_int_field(default=0)
    matured_root: str | None = hash_field(default=None)
    matured_spent: int = uint256_field(default=0)
    settled: int = uint256_field(default=0, description="payouts plus fees: cumulative earnings settled")
    paid_out: int = uint256_field(default=0, description="sent to publishers")
    fees_pending: int = uint256_field(default=0)
    fees_withdrawn: int = uint256_field(default=0)
    revision: int = 0
    resumed_at: int = big_int_field(default=0, description="when the last rejected challenge restarted windows")
    paused: bool = False
    closed: bool = False
    refunded: int = uint256_field(default=0)
    challenge_count: int = 0
    open_challenge: int | None = Field(default=None, description="number of the open challenge, null if none")
    pending_epochs: list[int] = Field(
        default_factory=list, sa_type=JsonDocument, description="committed, unmatured epochs of this revision"
    )


class Settlement(MirrorTable, StateRow, table=True):
    """One committed epoch. status: committed | matured | superseded (a later epoch matured) | discarded."""

    __tablename__ = "chain_settlements"

    contract: str = address_field(primary_key=True)
    campaign_id: int = big_int_field(primary_key=True)
    epoch: int = big_int_field(primary_key=True)
    events_root: str = hash_field()
    balance_root: str = hash_field()
    cumulative_spent: int = uint256_field()
    event_count: int = big_int_field()
    revision: int
    committed_at: int = big_int_field()
    committed_block: int = big_int_field()
    tx_hash: str = hash_field()
    status: str = Field(default="committed", max_length=16)
    matured_block: int | None = big_int_field(default=None)


class Challenge(MirrorTable, StateRow, table=True):
    """A dispute of a settlement; ``number`` counts the campaign's challenges from 1."""

    __tablename__ = "chain_challenges"

    contract: str = address_field(primary_key=True)
    campaign_id: int = big_int_field(primary_key=True)
    number: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    epoch: int = big_int_field()
    challenger: str = address_field()
    bond: int = uint256_field()
    deadline: int = big_int_field()
    opened_block: int = big_int_field()
    outcome: str | None = Field(default=None, max_length=16, description="upheld | rejected | expired; null while open")
    resolver: str | None = address_field(default=None)
    resolved_block: int | None = big_int_field(default=None)
    revision_after: int | None = None
    cumulative_spent_after: int | None = uint256_field(default=None)


class CampaignPublisher(MirrorTable, StateRow, table=True):
    """What a publisher has been settled in a campaign: the next payout pays earnings beyond ``settled``."""

    __tablename__ = "chain_campaign_publishers"

    contract: str = address_field(primary_key=True)
    campaign_id: int = big_int_field(primary_key=True)
    publisher: str = address_field(primary_key=True)
    settled: int = uint256_field(default=0, description="cumulativeEarned of the last payout")
    paid: int = uint256_field(default=0)
    fees: int = uint256_field(default=0)


class Payout(MirrorTable, EventRow, table=True):
    """One PaidOut: ``amount`` went to the publisher, ``fee`` accrued to the platform."""

    __tablename__ = "chain_payouts"

    campaign_id: int = big_int_field(index=True)
    publisher: str = address_field(index=True)
    cumulative_earned: int = uint256_field()
    amount: int = uint256_field()
    fee: int = uint256_field()


class CampaignFunding(MirrorTable, EventRow, table=True):
    """One CampaignFunded: ``deposited`` is the campaign's total after it."""

    __tablename__ = "chain_campaign_fundings"

    campaign_id: int = big_int_field(index=True)
    funder: str = address_field()
    amount: int = uint256_field()
    deposited: int = uint256_field()


class FeeWithdrawal(MirrorTable, EventRow, table=True):
    __tablename__ = "chain_fee_withdrawals"

    campaign_id: int = big_int_field(index=True)
    token: str = address_field()
    treasury: str = address_field()
    amount: int = uint256_field()


__all__ = [
    "Campaign",
    "CampaignFunding",
    "CampaignPublisher",
    "Challenge",
    "Escrow",
    "EscrowToken",
    "FeeWithdrawal",
    "Payout",
    "Settlement",
]
