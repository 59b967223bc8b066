"""EPCIS vocabulary: private business steps and dispositions are absolute URIs, and each event
records which event-hash algorithm produced its stored hash.

A private vocabulary term (CBV 2.0 section 5.1) is kept as written, so the columns grow from
32/40 characters to 300. ``hash_algorithm`` names the pre-hash rules of the stored
``event_hash``: rows from before are ``trustledger-2025`` (the first implementation, whose
hashes are anchored on chain and must stay verifiable); new rows are ``cbv-2.0`` (the
reference implementation's rules). See backend/provenance/event_hash.py.

Revision ID: 0014_epcis_vocabulary
Revises: 0013_settlement_revision
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel import AutoString

revision = "0014_epcis_vocabulary"
down_revision = "0013_settlement_revision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("epcis_event") as batch:
        batch.alter_column("biz_step", type_=AutoString(length=300), existing_nullable=False)
        batch.alter_column("disposition", type_=AutoString(length=300), existing_nullable=True)
        batch.add_column(
            sa.Column("hash_algorithm", AutoString(length=32), nullable=False, server_default="trustledger-2025")
        )


def downgrade() -> None:
    with op.batch_alter_table("epcis_event") as batch:
        batch.drop_column("hash_algorithm")
        batch.alter_column("disposition", type_=AutoString(length=40), existing_nullable=True)
        batch.alter_column("biz_step", type_=AutoString(length=32), existing_nullable=False)
