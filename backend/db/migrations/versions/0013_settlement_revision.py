"""Settlement revision: the campaign revision a settlement's figures build on, signed with them.

CampaignEscrow's attestation now carries the revision, so a commit signed before an upheld or
expired challenge reverts instead of landing on the new revision; the co-signers and the commit
must sign and send the revision the settle pass priced on, so it is stored with the figures.
Rows from before are given 0 (a commit of them would have been signed without a revision).

Revision ID: 0013_settlement_revision
Revises: 0012_settlement_cosigning
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_settlement_revision"
down_revision = "0012_settlement_cosigning"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("settlements") as batch:
        batch.add_column(sa.Column("revision", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("settlements") as batch:
        batch.drop_column("revision")
