"""Data consent: subjects (sealed), pairwise links, subject sessions, accepted withdrawals, the
append-only access log, offer publications.

Revision ID: 0007_consent
Revises: 0006_provenance_indexes
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0007_consent"
down_revision = "0006_provenance_indexes"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The access log is evidence: the database itself refuses to change or remove a row, so
# no code path (and no mistaken migration or script using the app's role) can rewrite it.
_POSTGRES_APPEND_ONLY = [
    """
    CREATE FUNCTION consent_access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'consent_access_log is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER consent_access_log_no_change BEFORE UPDATE OR DELETE ON consent_access_log
    FOR EACH ROW EXECUTE FUNCTION consent_access_log_append_only()
    """,
    """
    CREATE TRIGGER consent_access_log_no_truncate BEFORE TRUNCATE ON consent_access_log
    FOR EACH STATEMENT EXECUTE FUNCTION consent_access_log_append_only()
    """,
]
_SQLITE_APPEND_ONLY = [
    """
    CREATE TRIGGER consent_access_log_no_update BEFORE UPDATE ON consent_access_log
    BEGIN SELECT RAISE(ABORT, 'consent_access_log is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER consent_access_log_no_delete BEFORE DELETE ON consent_access_log
    BEGIN SELECT RAISE(ABORT, 'consent_access_log is append-only: DELETE refused'); END
    """,
]


def upgrade() -> None:
    op.create_table(
        "consent_subject",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("wallet_lookup", AutoString(length=64), nullable=False),
        sa.Column("master_key_id", AutoString(length=16), nullable=False),
        sa.Column("subject_key", sa.LargeBinary(), nullable=False),
        sa.Column("did", sa.LargeBinary(), nullable=False),
        sa.Column("profile", sa.LargeBinary(), nullable=True),
        sa.Column("ledger", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("wallet_lookup"),
    )

    op.create_table(
        "consent_pairwise",
        sa.Column("address", AutoString(length=42), primary_key=True),
        sa.Column("grantee", AutoString(length=42), nullable=False),
        sa.Column("subject_ref", sa.LargeBinary(), nullable=False),
    )

    op.create_table(
        "consent_subject_session",
        sa.Column("token_hash", AutoString(length=64), primary_key=True),
        sa.Column("subject_id", sa.Uuid(), sa.ForeignKey("consent_subject.id"), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_consent_subject_session_subject_id", "consent_subject_session", ["subject_id"])

    op.create_table(
        "consent_withdrawal",
        sa.Column("consent_id", AutoString(length=66), primary_key=True),
        sa.Column("contract", AutoString(length=42), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("accepted_at", UTCDateTime(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
    )

    op.create_table(
        "consent_access_log",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("accessed_at", UTCDateTime(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("grantee", AutoString(length=42), nullable=False),
        sa.Column("subject", AutoString(length=42), nullable=False),
        sa.Column("purpose", AutoString(length=64), nullable=False),
        sa.Column("consent_ids", sa.Text(), nullable=False),
        sa.Column("fields_disclosed", sa.Text(), nullable=False),
        sa.Column("fields_withheld", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
    )
    op.create_index("ix_consent_access_log_participant_id", "consent_access_log", ["participant_id"])
    op.create_index("ix_consent_access_log_subject", "consent_access_log", ["subject", "id"])

    op.create_table(
        "consent_offer_publication",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("participant_id", sa.Uuid(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("contract", AutoString(length=42), nullable=False),
        sa.Column("purpose", AutoString(length=64), nullable=False),
        sa.Column("data_categories", AutoString(length=200), nullable=False),
        sa.Column("token", AutoString(length=42), nullable=False),
        sa.Column("compensation", AutoString(length=78), nullable=False),
        sa.Column("cap", sa.Integer(), nullable=False),
        sa.Column("period_seconds", sa.BigInteger(), nullable=False),
        sa.Column("approve_outbox_id", sa.Integer(), nullable=True),
        sa.Column("publish_outbox_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_consent_offer_publication_participant_id", "consent_offer_publication", ["participant_id"])

    statements = _POSTGRES_APPEND_ONLY if op.get_bind().dialect.name == "postgresql" else _SQLITE_APPEND_ONLY
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    for table in (
        "consent_access_log",  # its triggers go with it
        "consent_offer_publication",
        "consent_withdrawal",
        "consent_subject_session",
        "consent_pairwise",
        "consent_subject",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION consent_access_log_append_only()")
