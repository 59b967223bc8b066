"""Fixtures of the sender suite: a database per test (SQLite, or PostgreSQL where marked), settings and a Sender."""

from __future__ import annotations

import pytest

from backend.chain.sender import Sender, SenderPolicy
from tests.sender.databases import database
from tests.sender.support import make_settings

BOTH = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BOTH)
def database_url(request, tmp_path):
    with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path):
    with database("sqlite", tmp_path) as url:
        yield url


@pytest.fixture
def postgres_url(tmp_path):
    with database("postgres", tmp_path) as url:
        yield url


@pytest.fixture
def settings(database_url, anvil_node, w3):
    return make_settings(database_url, anvil_node.url)


@pytest.fixture
def make_sender(settings):
    """Senders on `settings` (or other settings), closed after the test."""
    senders: list[Sender] = []

    def make(policy: SenderPolicy | None = None, *, on=None, rpc=None, chain_id=None) -> Sender:
        sender = Sender(on or settings, policy=policy, rpc=rpc, chain_id=chain_id)
        senders.append(sender)
        return sender

    yield make
    for sender in senders:
        sender.close()


@pytest.fixture
def empty_pool_after(w3):
    """Drop what a test left in anvil's pool (a nonce-gap transaction never mines): evm_revert keeps the pool."""
    yield
    w3.provider.make_request("anvil_dropAllTransactions", [])
