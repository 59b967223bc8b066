"""Identity and access: participants, API keys, SIWE nonces, idempotency records.

Revision ID: 0003_identity
Revises: 0002_sender_and_keys
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0003_identity"
down_revision = "0002_sender_and_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "participant",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("display_name", AutoString(length=200), nullable=False),
        sa.Column("roles", sa.Integer(), nullable=False),
        sa.Column("requested_roles", sa.Integer(), nullable=False),
        sa.Column("chain_address", AutoString(length=42), nullable=True),
        sa.Column("custody_mode", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("kyc_expires_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.Column("suspended_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_participant_chain_address", "participant", ["chain_address"], unique=True)
    op.create_index("ix_participant_status", "participant", ["status"])

    op.create_table(
        "api_key",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("participant_id", sa.Uuid(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("prefix", AutoString(length=16), nullable=False),
        sa.Column("secret_hash", AutoString(length=64), nullable=False),
        sa.Column("role", AutoString(length=32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("label", AutoString(length=100), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_api_key_participant_id", "api_key", ["participant_id"])
    op.create_index("ix_api_key_prefix", "api_key", ["prefix"], unique=True)

    op.create_table(
        "siwe_nonce",
        sa.Column("nonce", AutoString(length=64), primary_key=True),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
    )

    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("participant_id", sa.Uuid(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("endpoint", AutoString(length=200), nullable=False),
        sa.Column("key", AutoString(length=255), nullable=False),
        sa.Column("request_hash", AutoString(length=64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("participant_id", "endpoint", "key", name="uq_idempotency_scope"),
    )
    op.create_index("ix_idempotency_record_participant_id", "idempotency_record", ["participant_id"])


def downgrade() -> None:
    op.drop_table("idempotency_record")
    op.drop_table("siwe_nonce")
    op.drop_index("ix_api_key_prefix", table_name="api_key")
    op.drop_index("ix_api_key_participant_id", table_name="api_key")
    op.drop_table("api_key")
    op.drop_index("ix_participant_status", table_name="participant")
    op.drop_index("ix_participant_chain_address", table_name="participant")
    op.drop_table("participant")
