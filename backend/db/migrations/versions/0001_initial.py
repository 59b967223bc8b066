"""The backend's migration history starts empty; each feature adds its tables.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-21
"""

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
