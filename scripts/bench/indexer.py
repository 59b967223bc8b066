"""Benchmark: index >= 100,000 events into PostgreSQL with the indexer, and with a naive baseline.

Workload: an ``IndexerLoadEmitter`` registered in the manifest as a ``SettlementToken``
emits ERC-20 ``Transfer(address indexed, address indexed, uint256)`` events (the token's
exact ABI shape), so the indexer decodes them with the token's ABI and runs the real
token projection (transfer history + balances); a second emitter registered as a
``ParticipantRegistry`` adds ``ParticipantRolesSet`` / ``KycUpdated`` events.

Baseline, like web3.py's EventScanner example: ``contract.events.X.get_logs`` over
fixed 1,000-block chunks, one INSERT and one commit per event.

Prints ``name: value unit`` lines; the last is ``indexer_speedup_vs_naive: N x``.
Needs the machine's PostgreSQL (127.0.0.1:5432); creates and drops its own databases.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from web3 import Web3

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from backend.chain.local_node import LocalNode  # noqa: E402
from backend.db.scratch import scratch_database  # noqa: E402
from contracts import compile_contracts, load_artifact  # noqa: E402
from indexer import Indexer, IndexerSettings  # noqa: E402
from tests.indexer.load import (  # noqa: E402
    RawSender,
    deploy_emitter,
    participant_calls,
    transfer_calls,
    write_manifest,
)

TRANSFER_EVENTS = 100_000
EVENTS_PER_TX = 25
TXS_PER_ROUND = 100  # then EMPTY_BLOCKS_PER_ROUND empty blocks: ~20 logs per block on average
EMPTY_BLOCKS_PER_ROUND = 100
PARTICIPANT_ROUNDS = 250  # x 8 accounts x 2 events
NAIVE_CHUNK = 1_000
ZERO = "0x0000000000000000000000000000000000000000"


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def emit(node: LocalNode, w3: Web3) -> tuple[dict, int]:
    token_emitter, token_block = deploy_emitter(w3)
    registry_emitter, registry_block = deploy_emitter(w3)
    holders = list(w3.eth.accounts[1:9])
    sender = RawSender(w3, node.url)
    started = time.monotonic()
    calls = transfer_calls(token_emitter, ZERO, holders, 1_000_000, TRANSFER_EVENTS, EVENTS_PER_TX)
    # Empty blocks between rounds spread the events the way a chain with steady blocks
    # and bursts of traffic (QBFT: a block every few seconds) would.
    for offset in range(0, len(calls), TXS_PER_ROUND):
        sender.send(calls[offset : offset + TXS_PER_ROUND])
        w3.provider.make_request("anvil_mine", [hex(EMPTY_BLOCKS_PER_ROUND)])
        sent = min(TRANSFER_EVENTS, (offset + TXS_PER_ROUND) * EVENTS_PER_TX)
        if sent % 20_000 == 0:
            progress(f"emitted {sent:,}/{TRANSFER_EVENTS:,} Transfer events (block {w3.eth.block_number})")
    participant = [call for _ in range(PARTICIPANT_ROUNDS) for call in participant_calls(registry_emitter, holders, 3, 2**40)]
    sender.send(participant)
    sender.close()
    events = TRANSFER_EVENTS + PARTICIPANT_ROUNDS * len(holders) * 2
    progress(f"emitted {events:,} events in {time.monotonic() - started:.1f}s up to block {w3.eth.block_number}")
    contracts = {
        "LoadToken": ("SettlementToken", token_emitter, token_block),
        "LoadRegistry": ("ParticipantRegistry", registry_emitter, registry_block),
    }
    return contracts, events


def run_indexer(url: str, node: LocalNode, manifest_path: Path) -> tuple[int, float]:
    settings = IndexerSettings(database_url=url, rpc_url=node.url, manifest_path=manifest_path)
    indexer = Indexer(settings)
    try:
        indexer.open()  # migrations are not part of the measurement
        started = time.monotonic()
        indexer.sync_to_head()
        seconds = time.monotonic() - started
        return indexer.stats.logs, seconds
    finally:
        indexer.close()


def run_naive(url: str, w3: Web3, contracts: dict, first_block: int, last_block: int) -> tuple[int, float]:
    with psycopg.connect(url) as connection:
        connection.execute(
            "CREATE TABLE naive_events (id BIGSERIAL PRIMARY KEY, block_number BIGINT, log_index INT, "
            "tx_hash TEXT, address TEXT, event TEXT, args JSONB, UNIQUE (block_number, log_index))"
        )
        connection.commit()
        started = time.monotonic()
        stored = 0
        for artifact, emitter, _ in contracts.values():
            contract = w3.eth.contract(address=emitter.address, abi=load_artifact(artifact).abi)
            names = [item["name"] for item in contract.abi if item["type"] == "event"]
            for start in range(first_block, last_block + 1, NAIVE_CHUNK):
                end = min(last_block, start + NAIVE_CHUNK - 1)
                for name in names:
                    for event in getattr(contract.events, name).get_logs(from_block=start, to_block=end):
                        connection.execute(
                            "INSERT INTO naive_events (block_number, log_index, tx_hash, address, event, args) "
                            "VALUES (%s, %s, %s, %s, %s, %s)",
                            (
                                event.blockNumber,
                                event.logIndex,
                                event.transactionHash.to_0x_hex(),
                                event.address,
                                event.event,
                                json.dumps(dict(event.args)),
                            ),
                        )
                        connection.commit()
                        stored += 1
            progress(f"naive baseline: {stored:,} events stored so far")
        return stored, time.monotonic() - started


def main() -> None:
    compile_contracts()
    with tempfile.TemporaryDirectory() as directory, LocalNode(accounts=10) as node:
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 120}))
        contracts, events = emit(node, w3)
        manifest_path = Path(directory) / "deployment.json"
        manifest = write_manifest(manifest_path, w3, contracts)
        last_block = w3.eth.block_number
        with scratch_database("bench_indexer") as database:
            progress("indexing with the indexer ...")
            indexed, indexer_seconds = run_indexer(database.url, node, manifest_path)
        with scratch_database("bench_naive") as database:
            progress("indexing with the naive baseline ...")
            naive_indexed, naive_seconds = run_naive(database.dsn, w3, contracts, manifest.start_block, last_block)
    if indexed != events or naive_indexed != events:
        raise SystemExit(f"expected {events} events, indexer stored {indexed}, baseline {naive_indexed}")
    indexer_rate = indexed / indexer_seconds
    naive_rate = naive_indexed / naive_seconds
    print(f"events: {events} logs")
    print(f"blocks: {last_block - manifest.start_block + 1} blocks")
    print(f"indexer_seconds: {indexer_seconds:.2f} s")
    print(f"naive_seconds: {naive_seconds:.2f} s")
    print(f"naive_logs_per_s: {naive_rate:.0f} logs/s")
    print(f"indexer_logs_per_s: {indexer_rate:.0f}")
    print(f"indexer_speedup_vs_naive: {indexer_rate / naive_rate:.1f} x")


if __name__ == "__main__":
    main()
