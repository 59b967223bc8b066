"""Ads ingestion: the keys publishers sign event batches with.

Revision ID: 0009_ads_ingest
Revises: 0008_campaigns
tables, and Alembic 1.x fails (KeyError on the shared base) when a revision on the
base depends on two sibling branches.
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0009_ads_ingest"
down_revision = "0008_campaigns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ad_publisher_keys",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("participant_id", sa.Uuid(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("algorithm", AutoString(length=16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(32), nullable=False),
        sa.Column("label", AutoString(length=100), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("participant_id", "algorithm", "public_key", name="uq_ad_publisher_keys_key"),
    )
    op.create_index("ix_ad_publisher_keys_participant_id", "ad_publisher_keys", ["participant_id"])


def downgrade() -> None:
    op.drop_index("ix_ad_publisher_keys_participant_id", table_name="ad_publisher_keys")
    op.drop_table("ad_publisher_keys")
