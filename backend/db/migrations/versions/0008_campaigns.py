"""Campaigns: the API's record of each ad campaign and the chain actions asked of it.

Revision ID: 0008_campaigns
Revises: 0007_consent
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from backend.chain.outbox import Uint256

revision = "0008_campaigns"
down_revision = "0007_consent"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("advertiser_id", sa.Uuid(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("advertiser_address", AutoString(length=42), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("escrow_address", AutoString(length=42), nullable=False),
        sa.Column("chain_campaign_id", sa.BigInteger(), nullable=True),
        sa.Column("anchoring", sa.String(16), nullable=False),
        sa.Column("anchor_error", sa.Text(), nullable=True),
        sa.Column("token_symbol", AutoString(length=16), nullable=False),
        sa.Column("token_address", AutoString(length=42), nullable=False),
        sa.Column("budget", Uint256(), nullable=False),
        sa.Column("terms_json", sa.Text(), nullable=False),
        sa.Column("terms_cid", AutoString(length=100), nullable=False),
        sa.Column("terms_hash", AutoString(length=66), nullable=False),
        sa.Column("attesters", sa.JSON(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("verifier", AutoString(length=42), nullable=True),
        sa.Column("challenge_window", sa.Integer(), nullable=False),
        sa.Column("end_time", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("anchored_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("escrow_address", "chain_campaign_id", name="uq_campaigns_escrow_chain_id"),
    )
    op.create_index("ix_campaigns_advertiser_id", "campaigns", ["advertiser_id"])
    op.create_index("ix_campaigns_chain_campaign_id", "campaigns", ["chain_campaign_id"])
    op.create_index("ix_campaigns_anchoring", "campaigns", ["anchoring"])

    op.create_table(
        "campaign_actions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("campaign_id", sa.Uuid(), sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", Uint256(), nullable=True),
        sa.Column("requested_by", sa.Uuid(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("outbox_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_campaign_actions_campaign_id", "campaign_actions", ["campaign_id"])


def downgrade() -> None:
    op.drop_table("campaign_actions")
    op.drop_table("campaigns")
