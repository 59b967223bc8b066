"""Join the features' parallel migration branches into one head.

Each feature added its tables as its own branch from 0001_initial so they could be
written side by side; from here on there is one history, and a new migration revises
this one.

Revision ID: 0011_merge_features
Revises: 0002_sender_and_keys, 0005_ads, 0006_provenance_indexes, 0007_consent,
    0008_campaigns, 0009_ads_ingest, 0010_settlement
Create Date: 2026-11-22
"""

revision = "0011_merge_features"
down_revision = (
    "0002_sender_and_keys",
    "0005_ads",
    "0006_provenance_indexes",
    "0007_consent",
    "0008_campaigns",
    "0009_ads_ingest",
    "0010_settlement",
)
branch_labels = None
# The identity tables are a dependency of several branches rather than a branch tip of
# their own; naming them as a parent too makes Alembic drop their version row twice.
depends_on = ("0003_identity",)


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
