"""Bring the backend's tables to the newest migration (all heads)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from backend.core.db import engine_for

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_database(database_url: str) -> None:
    """Apply every pending migration. Independent features may add parallel heads; all are applied."""
    config = alembic_config(database_url)
    with engine_for(database_url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
