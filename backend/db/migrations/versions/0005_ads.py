"""Ads: accepted event batches, events (keyed-hashed personal data), per-publisher pricing tallies.

Revision ID: 0005_ads
Revises: 0004_provenance
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0005_ads"
down_revision = "0004_provenance"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ad_batches",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("publisher", AutoString(length=42), nullable=False),
        sa.Column("body_sha256", sa.LargeBinary(32), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("accepted_count", sa.Integer(), nullable=False),
        sa.Column("filtered_count", sa.Integer(), nullable=False),
        sa.Column("duplicate_count", sa.Integer(), nullable=False),
        sa.Column("rejected_count", sa.Integer(), nullable=False),
        sa.UniqueConstraint("publisher", "body_sha256", name="uq_ad_batches_publisher_body"),
    )
    op.create_table(
        "ad_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.BigInteger(), sa.ForeignKey("ad_batches.id"), nullable=False),
        sa.Column("publisher", AutoString(length=42), nullable=False),
        sa.Column("client_event_id", AutoString(length=64), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("occurred_at", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("impression_id", AutoString(length=64), nullable=True),
        sa.Column("click_id", AutoString(length=128), nullable=True),
        sa.Column("click_at", sa.BigInteger(), nullable=True),
        sa.Column("ip_hash", sa.LargeBinary(32), nullable=True),
        sa.Column("device_hash", sa.LargeBinary(32), nullable=True),
        sa.Column("event_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("reason", AutoString(length=40), nullable=True),
        sa.Column("price", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("publisher", "client_event_id", name="uq_ad_events_publisher_event"),
    )
    op.create_index("ix_ad_events_campaign_status_epoch", "ad_events", ["campaign_id", "status", "epoch"])
    op.create_index("ix_ad_events_publisher_click", "ad_events", ["publisher", "click_id"])
    op.create_index("ix_ad_events_received_at", "ad_events", ["received_at"])
    op.create_table(
        "ad_publisher_tallies",
        sa.Column("campaign_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("publisher", AutoString(length=42), primary_key=True),
        sa.Column("impressions", sa.BigInteger(), nullable=False),
        sa.Column("clicks", sa.BigInteger(), nullable=False),
        sa.Column("conversions", sa.BigInteger(), nullable=False),
        sa.Column("earned", sa.BigInteger(), nullable=False),
        sa.Column("bonus_paid", sa.Boolean(), nullable=False),
        sa.Column("day", sa.BigInteger(), nullable=False),
        sa.Column("day_amount", sa.BigInteger(), nullable=False),
        sa.Column("day_impressions", sa.BigInteger(), nullable=False),
        sa.Column("day_clicks", sa.BigInteger(), nullable=False),
        sa.Column("day_conversions", sa.BigInteger(), nullable=False),
        sa.Column("day_closed", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ad_publisher_tallies")
    op.drop_index("ix_ad_events_received_at", table_name="ad_events")
    op.drop_index("ix_ad_events_publisher_click", table_name="ad_events")
    op.drop_index("ix_ad_events_campaign_status_epoch", table_name="ad_events")
    op.drop_table("ad_events")
    op.drop_table("ad_batches")
