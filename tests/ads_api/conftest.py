"""The ingestion API on a migrated database with the chain mirror's tables, a manifest naming a
CampaignEscrow, and the clock at ``tests.ads.factories.NOW``: embedded (SQLite, in-process
counters and replay cache) by default; PostgreSQL + Redis (a private key prefix) when the
``database_url`` fixture is parametrized to postgres."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from redis import Redis

from backend.chain.local_node import dev_private_keys
from backend.core.config import Settings
from contracts.deployment import DeployedContract, DeploymentManifest
from indexer.database import make_engine
from indexer.database import migrate as migrate_mirror
from tests.ads.factories import NOW
from tests.api.conftest import PLACEHOLDER_REGISTRY, custody, database_url, make_api, outbox  # noqa: F401 (fixtures)
from tests.api.support import BASE_URL, CHAIN_ID
from tests.ads_api.support import ESCROW, IngestApi, at, seed_chain_time

REDIS_URL = "redis://127.0.0.1:6379/0"


def write_manifest(path) -> None:
    def deployed(name: str, address: str) -> DeployedContract:
        return DeployedContract(name, address, 1, "0x" + "00" * 32, "")

    DeploymentManifest(
        chain_id=CHAIN_ID,
        contracts={"ParticipantRegistry": deployed("ParticipantRegistry", PLACEHOLDER_REGISTRY), "CampaignEscrow": deployed("CampaignEscrow", ESCROW)},
    ).save(path)


@pytest.fixture
def redis_prefix(database_url) -> Iterator[str | None]:  # noqa: F811
    """A key prefix of this test's own on the production path (PostgreSQL), deleted afterwards; None embedded."""
    if not database_url.startswith("postgresql"):
        yield None
        return
    prefix = f"tl:test:ads_api:{os.getpid()}:{secrets.token_hex(4)}:"
    yield prefix
    client = Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def ingest_settings(database_url, redis_prefix, tmp_path) -> Settings:  # noqa: F811
    manifest = tmp_path / "deployment.json"
    write_manifest(manifest)
    production = redis_prefix is not None
    return Settings(
        environment="test",
        database_url=database_url,
        manifest_path=manifest,
        deployer_private_key=dev_private_keys(1)[0],
        public_base_url=BASE_URL,
        content_store_url=str(tmp_path / "content"),
        redis_url=REDIS_URL if production else None,
        ads_redis_prefix=redis_prefix or "tl:ads:",
    )


@pytest.fixture
def make_ingest_api(make_api):  # noqa: F811
    """Build the API for given settings, with the mirror's tables, its chain time and the clock at NOW."""

    def build(settings: Settings) -> IngestApi:
        api = make_api(settings)
        mirror_engine = make_engine(settings.database_url)
        migrate_mirror(mirror_engine)
        mirror_engine.dispose()
        seed_chain_time(settings.database_url)
        api.clock.fixed = at(NOW)
        return IngestApi(api)

    return build


@pytest.fixture
def ingest(make_ingest_api, ingest_settings) -> IngestApi:
    return make_ingest_api(ingest_settings)
