"""Settlement on anvil: contracts by deploy_all, the API with the real outbox and custody, the one
sender drained in-process and the indexer synced into the API's own database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.api.routes.participants import custodial_key_creator
from backend.campaigns.demo import InProcessChain
from backend.identity.ports import outbox_enqueue
from tests.api.conftest import custody, database_url, make_api, outbox  # noqa: F401 (fixtures)
from tests.campaigns.support import ChainApi
from tests.settlement.support import World, build_world, deploy, settings_for


@pytest.fixture
def chain_api(make_api, database_url, tmp_path, anvil_node, w3) -> Iterator[ChainApi]:  # noqa: F811
    settings = settings_for(database_url, tmp_path, anvil_node.url)
    deploy(anvil_node.url, settings)
    api = make_api(settings)
    del api.app.dependency_overrides[outbox_enqueue]
    del api.app.dependency_overrides[custodial_key_creator]
    chain = InProcessChain(settings, timeout=30)
    try:
        yield ChainApi(api, chain, w3)
    finally:
        chain.close()


@pytest.fixture
def world(chain_api) -> World:
    return build_world(chain_api)
