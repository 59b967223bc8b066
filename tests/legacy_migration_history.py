"""The backend's branched migration history as it was before issue 12, rebuilt for tests.

Making the history one line changed only the head of each version file (``down_revision``,
``depends_on``, the docstring) and removed the merge revision 0011; every upgrade and
downgrade body is today's. So the old script directory is today's files with the old
heads written back, plus the merge revision frozen below. ``test_linear_migrations``
checks the rebuild against the files of ``BRANCHED_COMMIT`` when the clone has it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from alembic.config import Config

from backend.db.migrate import MIGRATIONS_DIR

BRANCHED_COMMIT = "04728941b9eb4642b97874db164ea70768059646"  # main before issue 12

# revision -> (down_revision, depends_on) as the branched history's files declared them
BRANCHED_HEADS: dict[str, tuple[str | tuple[str, ...] | None, str | tuple[str, ...] | None]] = {
    "0001_initial": (None, None),
    "0002_sender_and_keys": ("0001_initial", None),
    "0003_identity": ("0001_initial", None),
    "0004_provenance": ("0001_initial", "0003_identity"),
    "0005_ads": ("0001_initial", None),
    "0006_provenance_indexes": ("0004_provenance", None),
    "0007_consent": ("0001_initial", "0003_identity"),
    "0008_campaigns": ("0001_initial", "0003_identity"),
    "0009_ads_ingest": ("0001_initial", "0003_identity"),
    "0010_settlement": ("0001_initial", "0003_identity"),
    "0011_merge_features": (
        (
            "0002_sender_and_keys",
            "0005_ads",
            "0006_provenance_indexes",
            "0007_consent",
            "0008_campaigns",
            "0009_ads_ingest",
            "0010_settlement",
        ),
        ("0003_identity",),
    ),
    "0012_settlement_cosigning": ("0011_merge_features", None),
    "0013_settlement_revision": ("0012_settlement_cosigning", None),
}

MERGE_REVISION = '''"""Join the features' parallel migration branches into one head.

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
'''


def branched_version_file(revision: str) -> str:
    """The text of one version file of the branched history."""
    if revision == "0011_merge_features":
        return MERGE_REVISION
    down_revision, depends_on = BRANCHED_HEADS[revision]
    text = (MIGRATIONS_DIR / "versions" / f"{revision}.py").read_text()
    text, replaced = re.subn(r"^down_revision = .*$", f"down_revision = {down_revision!r}", text, count=1, flags=re.M)
    assert replaced == 1, revision
    text, replaced = re.subn(r"^depends_on = .*$", f"depends_on = {depends_on!r}", text, count=1, flags=re.M)
    assert replaced == 1, revision
    return text


def branched_scripts(target: Path, revisions: list[str]) -> Path:
    """A script directory holding `revisions` of the branched history (env.py as today's)."""
    shutil.copytree(MIGRATIONS_DIR, target, ignore=shutil.ignore_patterns("versions", "__pycache__"))
    (target / "versions").mkdir()
    for revision in revisions:
        (target / "versions" / f"{revision}.py").write_text(branched_version_file(revision))
    return target


def branched_config(script_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config
