"""Shared fixtures: one anvil node per test process; every test runs in a chain snapshot."""

from __future__ import annotations

import pytest
from web3 import Web3

from backend.chain.local_node import LocalNode
from contracts import compile_contracts
from tests.factories import deploy


@pytest.fixture(scope="session")
def anvil_node():
    compile_contracts()
    with LocalNode(accounts=20) as node:
        yield node


@pytest.fixture(scope="session")
def session_w3(anvil_node) -> Web3:
    return Web3(Web3.HTTPProvider(anvil_node.url, request_kwargs={"timeout": 30}))


@pytest.fixture
def w3(session_w3: Web3):
    """The session's chain, rolled back after the test (evm_snapshot / evm_revert)."""
    snapshot = session_w3.provider.make_request("evm_snapshot", [])["result"]
    yield session_w3
    assert session_w3.provider.make_request("evm_revert", [snapshot])["result"] is True


@pytest.fixture
def accounts(w3: Web3) -> list[str]:
    return list(w3.eth.accounts)


@pytest.fixture
def admin(accounts) -> str:
    return accounts[0]


@pytest.fixture
def registry(w3, admin):
    return deploy(w3, "ParticipantRegistry", admin)


@pytest.fixture
def token(w3, admin):
    return deploy(w3, "SettlementToken", "Test USD", "tUSD", admin)
