"""Transaction outbox, per-key nonce counters and sealed custodial keys.

Revision ID: 0002_sender_and_keys
Revises: 0001_initial
Create Date: 2026-11-22
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

from backend.chain.outbox import Uint256

revision = "0002_sender_and_keys"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def _address(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=42), nullable=nullable)


def _moment(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sqlmodel.sql.sqltypes.UTCDateTime(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "outbox_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        _address("sender"),
        _address("to"),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("value", Uint256(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("gas", sa.Integer(), nullable=True),
        sa.Column("nonce", sa.Integer(), nullable=True),
        sa.Column("max_fee_per_gas", Uint256(), nullable=True),
        sa.Column("max_priority_fee_per_gas", Uint256(), nullable=True),
        sa.Column("gas_price", Uint256(), nullable=True),
        sa.Column("raw_tx", sa.LargeBinary(), nullable=True),
        sa.Column("tx_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=True),
        sa.Column("replaced_hashes", sa.Text(), nullable=False),
        sa.Column("block_number", sa.Integer(), nullable=True),
        sa.Column("gas_used", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _moment("next_attempt_at"),
        sa.Column("broadcast_block", sa.Integer(), nullable=True),
        _moment("stuck_since"),
        _moment("created_at", nullable=False),
        _moment("signed_at"),
        _moment("broadcast_at"),
        _moment("finished_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sender", "nonce", name="uq_outbox_sender_nonce"),
    )
    op.create_index("ix_outbox_status_sender_id", "outbox_transactions", ["status", "sender", "id"])
    op.create_index(op.f("ix_outbox_transactions_kind"), "outbox_transactions", ["kind"])
    op.create_index(op.f("ix_outbox_transactions_reference"), "outbox_transactions", ["reference"])
    op.create_index(op.f("ix_outbox_transactions_tx_hash"), "outbox_transactions", ["tx_hash"], unique=True)

    op.create_table(
        "sender_nonces",
        _address("sender"),
        sa.Column("next_nonce", sa.Integer(), nullable=False),
        _moment("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("sender"),
    )

    op.create_table(
        "custodial_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_ref", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        _address("address"),
        sa.Column("master_key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        _moment("created_at", nullable=False),
        _moment("rotated_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_custodial_keys_address"), "custodial_keys", ["address"], unique=True)
    op.create_index(op.f("ix_custodial_keys_master_key_id"), "custodial_keys", ["master_key_id"])
    op.create_index(op.f("ix_custodial_keys_owner_ref"), "custodial_keys", ["owner_ref"], unique=True)


def downgrade() -> None:
    op.drop_table("custodial_keys")
    op.drop_table("sender_nonces")
    op.drop_table("outbox_transactions")
