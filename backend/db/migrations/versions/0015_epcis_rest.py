"""EPCIS 2.0 REST binding: capture jobs, an index of every identifier an event names, the event's
action and declared eventID as columns, and keyset indexes for ordering by event and record time.

Events stored before this revision have no rows in ``epcis_event_epc`` and no ``action``: they
are filled here from the stored documents, so the query interface sees every event.

Revision ID: 0015_epcis_rest
Revises: 0014_epcis_vocabulary
Create Date: 2026-12-06
"""

import json

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0015_epcis_rest"
down_revision = "0014_epcis_vocabulary"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("epcis_event") as batch:
        batch.add_column(sa.Column("action", AutoString(length=8), nullable=True))
        batch.add_column(sa.Column("declared_event_id", AutoString(length=300), nullable=True))
    op.create_index("ix_epcis_event_event_time", "epcis_event", ["event_time", "id"])
    op.create_index("ix_epcis_event_recorded_at", "epcis_event", ["recorded_at", "id"])
    op.create_index("ix_epcis_event_declared_event_id", "epcis_event", ["declared_event_id"])
    op.create_table(
        "epcis_event_epc",
        sa.Column("epc", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=9), nullable=False),
        sa.Column("event_id", BIG_ID, sa.ForeignKey("epcis_event.id"), nullable=False),
        sa.PrimaryKeyConstraint("epc", "role", "event_id"),
    )
    op.create_table(
        "epcis_capture_job",
        sa.Column("id", AutoString(length=36), primary_key=True),
        sa.Column("actor_id", sa.Uuid(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("error_behaviour", AutoString(length=8), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("recorded_count", sa.Integer(), nullable=False),
        sa.Column("running", sa.Boolean(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("errors", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_epcis_capture_job_actor_id", "epcis_capture_job", ["actor_id"])
    _backfill()


def _backfill() -> None:
    # Imported here: the index rules live with the domain, and this revision is their first user.
    from backend.provenance.epc_index import event_epcs

    connection = op.get_bind()
    events = sa.table("epcis_event", sa.column("id"), sa.column("document"), sa.column("action"),
                      sa.column("declared_event_id"))
    epcs = sa.table("epcis_event_epc", sa.column("epc"), sa.column("role"), sa.column("event_id"))
    for row in connection.execute(sa.select(events.c.id, events.c.document)).all():
        event = json.loads(row.document).get("event", {})
        connection.execute(
            events.update().where(events.c.id == row.id).values(
                action=event.get("action"), declared_event_id=event.get("eventID")
            )
        )
        entries = [{"epc": epc, "role": role, "event_id": row.id} for role, epc in event_epcs(event)]
        if entries:
            connection.execute(epcs.insert(), entries)


def downgrade() -> None:
    op.drop_index("ix_epcis_capture_job_actor_id", table_name="epcis_capture_job")
    op.drop_table("epcis_capture_job")
    op.drop_table("epcis_event_epc")
    op.drop_index("ix_epcis_event_declared_event_id", table_name="epcis_event")
    op.drop_index("ix_epcis_event_recorded_at", table_name="epcis_event")
    op.drop_index("ix_epcis_event_event_time", table_name="epcis_event")
    with op.batch_alter_table("epcis_event") as batch:
        batch.drop_column("declared_event_id")
        batch.drop_column("action")
