"""The restore drill: settle a campaign and pay it out on anvil, `trustledger backup`, restore into an
empty SQLite file and into a fresh PostgreSQL database, then `trustledger index verify` passes and
the settlement and payout reports read through the API equal the original's."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from backend.cli import app as cli
from backend.core.config import get_settings
from backend.core.db import engine_for
from backend.db.scratch import ADMIN_DSN, SERVER
from tests.api.conftest import custody, database_url, make_api, outbox  # noqa: F401 (fixtures)
from tests.api.support import BOTH_DATABASES
from tests.settlement.conftest import chain_api  # noqa: F401 (fixture)
from tests.settlement.support import WINDOW, build_world, closed_epoch_time

SETTINGS_ENV = ("DATABASE_URL", "TRUSTLEDGER_DATABASE_URL", "TRUSTLEDGER_MANIFEST_PATH", "TRUSTLEDGER_CONTENT_STORE_URL")


@pytest.fixture
def empty_target(request, tmp_path) -> Iterator[str]:
    """An empty database of the same kind as the original: a new SQLite file, or a new PostgreSQL database."""
    if request.node.callspec.params["database_url"] == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'restored.db'}"
        return
    name = f"backup_drill_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://{SERVER}/{name}"
    try:
        yield url
    finally:
        engine_for(url).dispose()
        with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(monkeypatch, args: list[str], *, database_url: str, manifest: Path, content: Path):
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TRUSTLEDGER_MANIFEST_PATH", str(manifest))
    monkeypatch.setenv("TRUSTLEDGER_CONTENT_STORE_URL", str(content))
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, args, terminal_width=400)
    finally:
        get_settings.cache_clear()


def reports(client, world) -> dict[str, object]:
    """Every settlement and payout report of the campaign and its publishers, as the API serves them."""
    campaign = world.campaign["id"]
    paths = {
        "settlements": (f"/v1/settlements/campaigns/{campaign}", world.advertiser),
        "settlement report": (f"/v1/settlements/campaigns/{campaign}/report", world.advertiser),
        "campaign report": (f"/v1/campaigns/{campaign}/report", world.advertiser),
    }
    for n, publisher in enumerate(world.publishers, 1):
        paths[f"payouts {n}"] = (f"/v1/payouts/{publisher.participant_id}", publisher)
        paths[f"publisher report {n}"] = (f"/v1/publishers/{publisher.participant_id}/report", publisher)
    result = {}
    for name, (path, who) in paths.items():
        response = client.get(path, headers=who.headers)
        assert response.status_code == 200, (name, response.text)
        result[name] = response.json()
    return result


def counts(database_url: str) -> dict[str, int]:
    with engine_for(database_url).connect() as connection:
        return {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("ad_events", "custodial_keys", "api_key", "outbox_transactions")
        }


@BOTH_DATABASES
def test_backup_restores_into_an_empty_database_with_the_same_reports(
    chain_api, make_api, empty_target, tmp_path, monkeypatch, anvil_node
):
    world = build_world(chain_api)
    p1, p2 = world.publishers
    t = closed_epoch_time()
    world.traffic(p1, impressions=300, clicks=4, conversions=1, received_at=t)
    world.traffic(p2, impressions=120, clicks=1, received_at=t + 1)
    world.settle()
    world.mine()
    world.advance(WINDOW)
    world.keep()  # matures the root
    world.mine()
    world.keep()  # pays both publishers
    world.mine()
    original = reports(world.client, world)
    assert original["settlement report"]["paid"] != "0" and len(original["payouts 1"]["campaigns"][0]["payouts"]) == 1

    settings = world.settings
    content = Path(settings.content_store_url)
    content.mkdir(parents=True, exist_ok=True)
    (content / "blob").write_bytes(b"stored evidence")
    backup = tmp_path / "drill.tar"
    made = run(monkeypatch, ["backup", str(backup)], database_url=settings.database_url,
               manifest=settings.manifest_path, content=content)
    assert made.exit_code == 0, made.output
    master_key = settings.master_key.get_secret_value().encode()
    assert master_key not in backup.read_bytes(), "the master key never goes into a backup"

    fresh = tmp_path / "fresh"
    manifest, restored_content = fresh / "deployment.json", fresh / "content"
    restored = run(monkeypatch, ["restore", str(backup)], database_url=empty_target,
                   manifest=manifest, content=restored_content)
    assert restored.exit_code == 0, restored.output
    assert manifest.read_bytes() == settings.manifest_path.read_bytes()
    assert (restored_content / "blob").read_bytes() == b"stored evidence"
    assert counts(empty_target) == counts(settings.database_url)

    verified = run(monkeypatch, ["index", "--database-url", empty_target, "--rpc-url", anvil_node.url,
                                 "--manifest", str(manifest), "verify"],
                   database_url=empty_target, manifest=manifest, content=restored_content)
    assert verified.exit_code == 0, verified.output
    assert "mirror matches the chain" in verified.stdout

    again = make_api(settings.model_copy(update={
        "database_url": empty_target, "manifest_path": manifest, "content_store_url": str(restored_content),
    }))
    assert reports(again.client, world) == original
