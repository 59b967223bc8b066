"""Settlement: committed epochs with their trees, priced events and balance snapshots; auditor corrections.

Revision ID: 0010_settlement
Revises: 0009_ads_ingest
campaigns (0008), but no table here refers to them, and Alembic 1.x fails when a revision
on the base depends on two sibling branches (see 0009).
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from backend.chain.outbox import Uint256

revision = "0010_settlement"
down_revision = "0009_ads_ingest"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "settlements",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("escrow_address", AutoString(length=42), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("events_root", sa.LargeBinary(32), nullable=False),
        sa.Column("balance_root", sa.LargeBinary(32), nullable=False),
        sa.Column("cumulative_spent", Uint256(), nullable=False),
        sa.Column("billed_amount", Uint256(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("priced_count", sa.Integer(), nullable=False),
        sa.Column("signatures", sa.LargeBinary(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("escrow_address", "campaign_id", "epoch", name="uq_settlements_campaign_epoch"),
    )
    op.create_index("ix_settlements_campaign_status", "settlements", ["escrow_address", "campaign_id", "status"])
    op.create_table(
        "settlement_events",
        sa.Column("settlement_id", sa.BigInteger(), sa.ForeignKey("settlements.id"), primary_key=True,
                  autoincrement=False),
        sa.Column("event_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("billed", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_settlement_events_event", "settlement_events", ["event_id"])
    op.create_table(
        "settlement_leaves",
        sa.Column("settlement_id", sa.BigInteger(), sa.ForeignKey("settlements.id"), primary_key=True,
                  autoincrement=False),
        sa.Column("leaf_hashes", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "settlement_balances",
        sa.Column("settlement_id", sa.BigInteger(), sa.ForeignKey("settlements.id"), primary_key=True,
                  autoincrement=False),
        sa.Column("publisher", AutoString(length=42), primary_key=True),
        sa.Column("cumulative_earned", Uint256(), nullable=False),
        sa.Column("in_root", sa.Boolean(), nullable=False),
        sa.Column("tally", sa.Text(), nullable=False),
    )
    op.create_table(
        "settlement_corrections",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("escrow_address", AutoString(length=42), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("challenge_epoch", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_settlement_corrections_campaign", "settlement_corrections", ["escrow_address", "campaign_id", "applied"]
    )


def downgrade() -> None:
    op.drop_index("ix_settlement_corrections_campaign", table_name="settlement_corrections")
    op.drop_table("settlement_corrections")
    op.drop_table("settlement_balances")
    op.drop_table("settlement_leaves")
    op.drop_index("ix_settlement_events_event", table_name="settlement_events")
    op.drop_table("settlement_events")
    op.drop_index("ix_settlements_campaign_status", table_name="settlements")
    op.drop_table("settlements")
