"""Dump and load the database: SQLite through the online backup API, PostgreSQL through
pg_dump --format=custom / pg_restore --clean --if-exists --no-owner."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from backend.backup.errors import BackupRefused
from backend.core.db import engine_for


def database_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupRefused("bad_backup", f"cannot back up a {backend} database")
    return backend


def has_tables(url: str) -> bool:
    """Whether the database holds any table (a restore target must not, unless forced)."""
    engine = engine_for(url)
    with engine.connect() as connection:
        return bool(inspect(connection).get_table_names())


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupRefused("bad_backup", "an in-memory SQLite database cannot be backed up")
    return Path(database)


def _libpq_url(url: str) -> str:
    """postgresql+psycopg://... -> postgresql://... (what pg_dump understands)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupRefused("bad_backup", f"{name} is not installed (install the PostgreSQL client tools)")
    return tool


def check_pg_versions(url: str) -> None:
    """pg_dump must be at least the server's major version."""
    output = subprocess.run([_pg_tool("pg_dump"), "--version"], capture_output=True, text=True, check=True).stdout
    client = int(re.search(r"(\d+)\.", output).group(1))
    with engine_for(url).connect() as connection:
        server = int(connection.exec_driver_sql("SHOW server_version_num").scalar_one()) // 10_000
    if client < server:
        raise BackupRefused("pg_version_mismatch", f"pg_dump {client} is older than the server ({server})")


def dump(url: str, target: Path) -> None:
    if database_kind(url) == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        destination = sqlite3.connect(target)
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
        return
    check_pg_versions(url)
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", f"--dbname={_libpq_url(url)}"])


def load(url: str, source: Path) -> None:
    if database_kind(url) == "sqlite":
        path = _sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        engine_for(url).dispose()
        origin = sqlite3.connect(source)
        destination = sqlite3.connect(path)
        try:
            with destination:
                origin.backup(destination)
        finally:
            destination.close()
            origin.close()
        return
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--exit-on-error",
            f"--dbname={_libpq_url(url)}",
            str(source),
        ]
    )


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise BackupRefused("database_tool_failed", f"{Path(command[0]).name} failed: {last}")
