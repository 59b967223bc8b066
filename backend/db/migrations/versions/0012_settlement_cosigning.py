"""Settlement co-signing: signatures collected while a settlement awaits its other attesters.

Revision ID: 0012_settlement_cosigning
Revises: 0010_settlement (0011 was the merge revision of the branched history, gone since the
    history is one line; backend/db/migrate.py carries databases stamped with it over)
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0012_settlement_cosigning"
down_revision = "0010_settlement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settlement_signatures",
        sa.Column("settlement_id", sa.BigInteger(), sa.ForeignKey("settlements.id"), primary_key=True,
                  autoincrement=False),
        sa.Column("signer", AutoString(length=42), primary_key=True),
        sa.Column("signature", sa.LargeBinary(65), nullable=False),
        sa.Column("as_verifier", sa.Boolean(), nullable=False),
        sa.Column("submitted_by", sa.Uuid(), sa.ForeignKey("participant.id"), nullable=True),
        sa.Column("custodial", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("settlement_signatures")
