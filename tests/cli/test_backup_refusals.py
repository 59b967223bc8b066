"""A restore refuses, in one line with a non-zero exit, a corrupted archive, another chain's backup and
a target that is not empty (unless --force)."""

from __future__ import annotations

import json
import sqlite3
import tarfile

import pytest
from typer.testing import CliRunner

from backend.cli import app as cli
from backend.core.config import get_settings


@pytest.fixture
def installation(tmp_path, monkeypatch):
    source = tmp_path / "source.db"
    with sqlite3.connect(source) as db:
        db.execute("CREATE TABLE t (x INTEGER)")
        db.execute("INSERT INTO t VALUES (7)")
    (tmp_path / "deployment.json").write_text(json.dumps({"chainId": 31337, "contracts": {}}))

    def run(args, database, manifest):
        for name in ("DATABASE_URL", "TRUSTLEDGER_DATABASE_URL"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
        monkeypatch.setenv("TRUSTLEDGER_MANIFEST_PATH", str(manifest))
        monkeypatch.setenv("TRUSTLEDGER_CONTENT_STORE_URL", str(tmp_path / "content"))
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(cli, args, terminal_width=400)
        finally:
            get_settings.cache_clear()

    made = run(["backup", str(tmp_path / "b.tar")], source, tmp_path / "deployment.json")
    assert made.exit_code == 0, made.output
    return tmp_path, run


def one_line(result, words):
    assert result.exit_code != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0], result.stderr


def test_a_corrupted_archive_is_refused(installation):
    tmp_path, run = installation
    archive = tmp_path / "b.tar"
    with tarfile.open(archive) as tar:
        offset = tar.getmember("database.sqlite").offset_data
    data = bytearray(archive.read_bytes())
    data[offset + 200] ^= 0xFF
    archive.write_bytes(bytes(data))
    one_line(run(["restore", str(archive)], tmp_path / "new.db", tmp_path / "m.json"), "sha256")


def test_another_chains_backup_is_refused(installation):
    tmp_path, run = installation
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"chainId": 1, "contracts": {}}))
    one_line(run(["restore", str(tmp_path / "b.tar")], tmp_path / "new.db", other), "chain 31337")


def test_a_non_empty_target_needs_force(installation):
    tmp_path, run = installation
    target = tmp_path / "taken.db"
    with sqlite3.connect(target) as db:
        db.execute("CREATE TABLE other (y INTEGER)")
    one_line(run(["restore", str(tmp_path / "b.tar")], target, tmp_path / "m.json"), "--force")
    forced = run(["restore", str(tmp_path / "b.tar"), "--force"], target, tmp_path / "m.json")
    assert forced.exit_code == 0, forced.output
    with sqlite3.connect(target) as db:
        assert db.execute("SELECT x FROM t").fetchall() == [(7,)]
