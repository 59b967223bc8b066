"""API fixtures: a migrated database (SQLite, or a fresh PostgreSQL database), a TestClient on
create_app(Settings(...)), recording fakes for the outbox and custody, identities per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from backend.api.auth import request_time
from backend.api.main import create_app
from backend.chain.local_node import dev_private_keys
from backend.core.config import Settings
from backend.db.migrate import upgrade_database
from backend.api.routes.participants import custodial_key_creator
from backend.db.scratch import scratch_database
from backend.identity.models import utcnow
from backend.identity.ports import outbox_enqueue
from backend.identity.roles import Role
from contracts.deployment import DeployedContract, DeploymentManifest
from tests.api.support import BASE_URL, CHAIN_ID, FakeCustody, Identity, RecordingOutbox, create_identity

PLACEHOLDER_REGISTRY = "0x00000000000000000000000000000000000000A1"


@pytest.fixture
def database_url(request, tmp_path) -> Iterator[str]:
    """SQLite in the test's directory by default; `BOTH_DATABASES` also runs the test on PostgreSQL."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'api.db'}"
        return
    with scratch_database("api") as database:
        yield database.url


def write_manifest(path: Path, registry: str, chain_id: int = CHAIN_ID) -> Path:
    manifest = DeploymentManifest(
        chain_id=chain_id,
        contracts={"ParticipantRegistry": DeployedContract("ParticipantRegistry", registry, 1, "0x" + "00" * 32, "")},
    )
    manifest.save(path)
    return path


@pytest.fixture
def api_settings(database_url, tmp_path) -> Settings:
    """Settings of a test API: its own database and manifest, anvil's first key as the admin key."""
    return Settings(
        environment="test",
        database_url=database_url,
        manifest_path=write_manifest(tmp_path / "deployment.json", PLACEHOLDER_REGISTRY),
        deployer_private_key=dev_private_keys(1)[0],
        public_base_url=BASE_URL,
        content_store_url=str(tmp_path / "content"),
    )


@pytest.fixture
def outbox() -> RecordingOutbox:
    return RecordingOutbox()


@pytest.fixture
def custody() -> FakeCustody:
    return FakeCustody()


class Clock:
    """The API's notion of now (`request_time`), movable by tests instead of sleeping."""

    def __init__(self):
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or utcnow()


@dataclass
class ApiHarness:
    app: FastAPI
    client: TestClient
    settings: Settings
    outbox: RecordingOutbox
    custody: FakeCustody
    clock: Clock

    def identity(self, *roles: Role, **options) -> Identity:
        """A participant with `roles` (approved unless `status=` says otherwise) and a key for the first."""
        return create_identity(self.settings.database_url, *roles, **options)


@pytest.fixture
def make_api(outbox, custody) -> Iterator[Callable[[Settings], ApiHarness]]:
    """Build a harness for given settings (e.g. pointing at a real registry on anvil)."""
    clients: list[TestClient] = []

    def build(settings: Settings) -> ApiHarness:
        upgrade_database(settings.database_url)
        app = create_app(settings)
        clock = Clock()
        app.dependency_overrides[outbox_enqueue] = lambda: outbox
        app.dependency_overrides[custodial_key_creator] = lambda: custody
        app.dependency_overrides[request_time] = clock
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return ApiHarness(app, client, settings, outbox, custody, clock)

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def api(make_api, api_settings) -> ApiHarness:
    """The API on a migrated database, with recording fakes for the outbox and custody."""
    return make_api(api_settings)


@pytest.fixture
def admin_identity(api) -> Identity:
    return api.identity(Role.ADMIN, Role.KYC_OFFICER)
