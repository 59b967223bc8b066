"""Provenance anchoring and page indexes: the batch document, deadline and signature of an anchor batch;
unanchored events in a partial index; events by anchor batch (proofs, releases).

Revision ID: 0006_provenance_indexes
Revises: 0005_ads
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0006_provenance_indexes"
down_revision = "0005_ads"
branch_labels = None
depends_on = None

UNANCHORED = sa.text("anchor_batch_id IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("anchor_batch") as batch:
        batch.add_column(sa.Column("document_cid", AutoString(length=100), nullable=True))
        batch.add_column(sa.Column("deadline", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("signature", AutoString(length=132), nullable=True))
    # The old index led with actor and brand but held every event; the batcher only ever asks
    # for the unanchored ones, and the proof and release paths ask by batch.
    op.drop_index("ix_epcis_event_pending", table_name="epcis_event")
    op.create_index(
        "ix_epcis_event_unanchored",
        "epcis_event",
        ["actor_id", "brand_id", "id"],
        postgresql_where=UNANCHORED,
        sqlite_where=UNANCHORED,
    )
    op.create_index("ix_epcis_event_anchor_batch_id", "epcis_event", ["anchor_batch_id"])


def downgrade() -> None:
    op.drop_index("ix_epcis_event_anchor_batch_id", table_name="epcis_event")
    op.drop_index("ix_epcis_event_unanchored", table_name="epcis_event")
    op.create_index("ix_epcis_event_pending", "epcis_event", ["actor_id", "brand_id", "anchor_batch_id"])
    with op.batch_alter_table("anchor_batch") as batch:
        batch.drop_column("signature")
        batch.drop_column("deadline")
        batch.drop_column("document_cid")
