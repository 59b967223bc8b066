"""Product provenance: brands' actors, products, serial batches and items, EPCIS events, anchor batches,
scans, NTAG 424 tags.

Revision ID: 0004_provenance
Revises: 0003_identity
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0004_provenance"
down_revision = "0003_identity"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "product",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("gtin", AutoString(length=14), nullable=False),
        sa.Column("brand_id", sa.Uuid(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("metadata_cid", AutoString(length=100), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_product_gtin", "product", ["gtin"], unique=True)
    op.create_index("ix_product_brand_id", "product", ["brand_id"])

    op.create_table(
        "serial_batch",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("product_id", sa.Uuid(), sa.ForeignKey("product.id"), nullable=False),
        sa.Column("serials_root", AutoString(length=66), nullable=False),
        sa.Column("serial_count", sa.Integer(), nullable=False),
        sa.Column("chain_batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_serial_batch_product_id", "serial_batch", ["product_id"])

    op.create_table(
        "product_item",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Uuid(), sa.ForeignKey("serial_batch.id"), nullable=False),
        sa.Column("gtin", AutoString(length=14), nullable=False),
        sa.Column("serial", AutoString(length=20), nullable=False),
        sa.Column("claim_code_hash", AutoString(length=64), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("gtin", "serial", name="uq_product_item_gtin_serial"),
    )
    op.create_index("ix_product_item_batch_id", "product_item", ["batch_id"])

    op.create_table(
        "brand_actor",
        sa.Column("brand_id", sa.Uuid(), sa.ForeignKey("participant.id"), primary_key=True),
        sa.Column("actor_id", sa.Uuid(), sa.ForeignKey("participant.id"), primary_key=True),
        sa.Column("authorised_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )

    op.create_table(
        "anchor_batch",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("actor_id", sa.Uuid(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("brand_id", sa.Uuid(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("events_root", AutoString(length=66), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("chain_batch_id", AutoString(length=66), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("anchored_block", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("anchored_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("chain_batch_id"),
    )
    op.create_index("ix_anchor_batch_actor_id", "anchor_batch", ["actor_id"])
    op.create_index("ix_anchor_batch_status", "anchor_batch", ["status"])

    op.create_table(
        "epcis_event",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("event_hash", AutoString(length=100), nullable=False),
        sa.Column("actor_id", sa.Uuid(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("brand_id", sa.Uuid(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("event_type", AutoString(length=32), nullable=False),
        sa.Column("biz_step", AutoString(length=32), nullable=False),
        sa.Column("disposition", AutoString(length=40), nullable=True),
        sa.Column("event_time", UTCDateTime(), nullable=False),
        sa.Column("time_zone_offset", AutoString(length=6), nullable=False),
        sa.Column("read_point", AutoString(length=300), nullable=False),
        sa.Column("biz_location", AutoString(length=300), nullable=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("anchor_batch_id", sa.Uuid(), sa.ForeignKey("anchor_batch.id"), nullable=True),
        sa.UniqueConstraint("event_hash"),
    )
    op.create_index("ix_epcis_event_pending", "epcis_event", ["actor_id", "brand_id", "anchor_batch_id"])

    op.create_table(
        "epcis_event_item",
        sa.Column("item_id", BIG_ID, sa.ForeignKey("product_item.id"), primary_key=True),
        sa.Column("event_id", BIG_ID, sa.ForeignKey("epcis_event.id"), primary_key=True),
    )

    op.create_table(
        "product_scan",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("gtin", AutoString(length=14), nullable=False),
        sa.Column("serial", AutoString(length=20), nullable=False),
        sa.Column("scanned_at", UTCDateTime(), nullable=False),
        sa.Column("client", AutoString(length=32), nullable=False),
        sa.Column("country", AutoString(length=2), nullable=True),
        sa.Column("link_preview", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_product_scan_item", "product_scan", ["gtin", "serial", "scanned_at"])

    op.create_table(
        "sun_tag",
        sa.Column("uid", AutoString(length=14), primary_key=True),
        sa.Column("gtin", AutoString(length=14), nullable=False),
        sa.Column("serial", AutoString(length=20), nullable=False),
        sa.Column("last_counter", sa.Integer(), nullable=True),
    )


def downgrade() -> None:
    for table in ("sun_tag", "product_scan", "epcis_event_item", "epcis_event", "anchor_batch", "product_item", "serial_batch", "product",
                  "brand_actor"):
        op.drop_table(table)
