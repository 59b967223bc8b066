"""Fixtures of the indexer's tests: a mirror database (SQLite file or a fresh PostgreSQL
database), a chain with real and load-emitter contracts, and indexers bound to both."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pytest
from web3 import Web3
from web3.contract import Contract

from backend.db.scratch import scratch_database
from indexer import Indexer, IndexerSettings
from tests.factories import deploy
from tests.indexer.load import RawSender, deploy_emitter, participant_calls, transfer_calls, write_manifest

ZERO = "0x0000000000000000000000000000000000000000"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def mirror_url(request, tmp_path) -> Iterator[str]:
    """The mirror's database URL: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mirror.db'}"
        return
    with scratch_database("indexer") as database:
        yield database.url


@dataclass
class LoadChain:
    """The session's anvil with a real registry and token, plus an emitter registered as each."""

    w3: Web3
    url: str
    registry: Contract
    token: Contract
    token_emitter: Contract
    registry_emitter: Contract
    manifest_path: Path
    sender: RawSender
    holders: list[str]
    minted: dict[str, int] = field(default_factory=dict)

    def emit_transfers(self, events: int, per_tx: int = 50, value: int = 1_000, per_request: int = 20) -> None:
        """`events` mints from the zero address to the holders, `per_tx` per transaction.

        anvil packs the transactions of one request into few blocks; ``per_request=1``
        gives every transaction a block of its own. Each transaction cycles through the
        holders from the first; ``minted`` adds them up.
        """
        calls = transfer_calls(self.token_emitter, ZERO, self.holders, value, events, per_tx)
        self.sender.send(calls, batch=per_request)
        for start in range(0, events, per_tx):
            for index in range(min(per_tx, events - start)):
                holder = self.holders[index % len(self.holders)]
                self.minted[holder] = self.minted.get(holder, 0) + value

    def emit_participants(self, kyc_expiry: int, roles: int = 0b11) -> None:
        self.sender.send(participant_calls(self.registry_emitter, self.holders, roles, kyc_expiry))

    def mine(self, blocks: int) -> None:
        self.w3.provider.make_request("anvil_mine", [hex(blocks)])

    def log_count(self) -> int:
        addresses = [self.registry.address, self.token.address, self.token_emitter.address, self.registry_emitter.address]
        return len(self.w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": addresses}))


@pytest.fixture
def load_chain(w3, anvil_node, admin, accounts, tmp_path) -> Iterator[LoadChain]:
    registry = deploy(w3, "ParticipantRegistry", admin)
    first = w3.eth.block_number
    token = deploy(w3, "SettlementToken", "Test USD", "tUSD", admin)
    token_emitter, token_block = deploy_emitter(w3)
    registry_emitter, registry_block = deploy_emitter(w3)
    manifest_path = tmp_path / "deployment.json"
    write_manifest(
        manifest_path,
        w3,
        {
            "ParticipantRegistry": ("ParticipantRegistry", registry, first),
            "TokenUSD": ("SettlementToken", token, first + 1),
            "LoadToken": ("SettlementToken", token_emitter, token_block),
            "LoadRegistry": ("ParticipantRegistry", registry_emitter, registry_block),
        },
    )
    sender = RawSender(w3, anvil_node.url, key_index=19)
    chain = LoadChain(
        w3, anvil_node.url, registry, token, token_emitter, registry_emitter, manifest_path, sender, accounts[10:14]
    )
    try:
        yield chain
    finally:
        sender.close()


@pytest.fixture
def make_indexer(load_chain, mirror_url) -> Iterator[Callable[..., Indexer]]:
    """Indexers on the load chain and the mirror database; settings overridable per call."""
    made: list[Indexer] = []

    def make(**overrides) -> Indexer:
        settings = {
            "database_url": mirror_url,
            "rpc_url": load_chain.url,
            "manifest_path": load_chain.manifest_path,
            "poll_interval": 0.05,
            "max_backoff": 0.5,
        }
        settings.update(overrides)
        indexer = Indexer(IndexerSettings(**settings))
        made.append(indexer)
        return indexer

    yield make
    for indexer in made:
        indexer.close()
