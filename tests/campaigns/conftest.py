"""Campaign API on anvil: contracts deployed by deploy_all, the real outbox and custody, the one sender
drained in-process and the indexer synced into the API's own database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eth_account import Account

from backend.api.routes.participants import custodial_key_creator
from backend.campaigns.demo import InProcessChain
from backend.chain.deploy import deploy_all
from backend.core.config import Settings
from backend.identity.ports import outbox_enqueue
from backend.keys import MasterKey
from tests.api.conftest import api, api_settings, custody, database_url, make_api, outbox  # noqa: F401 (fixtures)
from tests.api.support import BASE_URL
from tests.campaigns.support import ADMIN_KEY, ATTESTER_KEY, ChainApi


@pytest.fixture
def chain_api(make_api, database_url, tmp_path, anvil_node, w3) -> Iterator[ChainApi]:  # noqa: F811
    manifest_path = tmp_path / "deployment.json"
    deploy_all(anvil_node.url, Account.from_key(ADMIN_KEY), manifest_path, attester=Account.from_key(ATTESTER_KEY).address)
    settings = Settings(
        environment="test",
        database_url=database_url,
        rpc_url=anvil_node.url,
        manifest_path=manifest_path,
        deployer_private_key=ADMIN_KEY,
        attester_private_key=ATTESTER_KEY,
        master_key=MasterKey.generate().to_base64(),
        public_base_url=BASE_URL,
        content_store_url=str(tmp_path / "content"),
    )
    api = make_api(settings)
    del api.app.dependency_overrides[outbox_enqueue]
    del api.app.dependency_overrides[custodial_key_creator]
    chain = InProcessChain(settings, timeout=30)
    try:
        yield ChainApi(api, chain, w3)
    finally:
        chain.close()
