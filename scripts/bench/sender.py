"""Benchmark: 2,000 payout-like token transfers through the transaction sender, against web3.py.

Workload: anvil (automine) with a ``SettlementToken``; the relayer key (a platform key
from settings) pays 2,000 distinct addresses. Measured from ``enqueue_many`` (the rows
are added in one database transaction, as a keeper enqueues an epoch's payouts) until
every row is ``mined`` in the database: gas estimates, signing, broadcast and receipts
included. The sender runs in-process (one worker), as ``Sender.drain``.

Baseline in the same run: web3.py's plain ``transact`` + ``wait_for_transaction_receipt``
for the same transfer, one after the other (anvil's unlocked account signs), on fewer
transactions since its rate does not depend on the count.

Prints ``name: value`` lines; ``web3_tx_per_s: N`` and, last, ``sender_tx_per_s: N``.
Goal: >= 200 tx/s through the sender. The outbox lives in PostgreSQL as in production
(127.0.0.1:5432; a database is created and dropped), or SQLite with ``--sqlite``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector
from web3 import Web3

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from sqlmodel import Session, select  # noqa: E402

from backend.chain.local_node import LocalNode, dev_private_keys  # noqa: E402
from backend.chain.outbox import OutboxStatus, OutboxTransaction, enqueue_many  # noqa: E402
from backend.chain.sender import Sender  # noqa: E402
from backend.core.config import Settings  # noqa: E402
from backend.core.db import engine_for  # noqa: E402
from backend.db.migrate import upgrade_database  # noqa: E402
from backend.db.scratch import scratch_database  # noqa: E402
from contracts import load_artifact  # noqa: E402

TRANSFER = function_signature_to_4byte_selector("transfer(address,uint256)")
PAYOUT = 1_250_000  # 1.25 tUSD in base units


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def outbox_database(use_sqlite: bool):
    if use_sqlite:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{directory}/bench.db"
        return
    with scratch_database("bench_sender") as database:
        yield database.url


def payee(index: int, salt: int) -> str:
    return Web3.to_checksum_address(f"0x{salt:08x}{index:032x}")


def web3_baseline(w3: Web3, token, payer: str, count: int) -> float:
    started = time.perf_counter()
    for index in range(count):
        tx_hash = token.functions.transfer(payee(index, 0xB0B0), PAYOUT).transact({"from": payer})
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt["status"] == 1
    return count / (time.perf_counter() - started)


def through_sender(settings: Settings, token_address: str, relayer: str, count: int) -> tuple[float, dict]:
    sender = Sender(settings)
    sender.chain_id  # connect before the clock starts, as a running worker would be
    started = time.perf_counter()
    payouts = (
        {
            "sender": relayer,
            "to": token_address,
            "data": TRANSFER + encode(["address", "uint256"], [payee(index, 0x5E0D), PAYOUT]),
            "kind": "payout",
            "reference": f"bench:{index}",
        }
        for index in range(count)
    )
    with Session(engine_for(settings.database_url)) as session:
        enqueue_many(session, payouts)
        session.commit()
    enqueued = time.perf_counter() - started
    sender.drain(timeout=600)
    seconds = time.perf_counter() - started
    sender.close()
    with Session(engine_for(settings.database_url)) as session:
        rows = session.exec(select(OutboxTransaction)).all()
    statuses = Counter(row.status for row in rows)
    assert statuses == {OutboxStatus.MINED: count}, statuses
    nonces = sorted(row.nonce for row in rows)
    assert nonces == list(range(nonces[0], nonces[0] + count)), "nonces are not contiguous"
    blocks = {row.block_number for row in rows}
    return count / seconds, {"enqueue_seconds": enqueued, "sender_seconds": seconds, "blocks": len(blocks)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2_000, help="transactions through the sender")
    parser.add_argument("--web3-count", type=int, default=300, help="transactions through web3.py")
    parser.add_argument("--sqlite", action="store_true", help="outbox in SQLite instead of PostgreSQL")
    args = parser.parse_args()

    keys = dev_private_keys(3)
    with LocalNode() as node, outbox_database(args.sqlite) as database_url:
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 60}))
        issuer, relayer, web3_payer = w3.eth.accounts[:3]
        artifact = load_artifact("SettlementToken")
        factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        deployment = factory.constructor("Bench USD", "bUSD", issuer).transact({"from": issuer})
        receipt = w3.eth.wait_for_transaction_receipt(deployment)
        token = w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)
        for holder, count in ((relayer, args.count), (web3_payer, args.web3_count)):
            w3.eth.wait_for_transaction_receipt(token.functions.mint(holder, PAYOUT * count).transact({"from": issuer}))
        upgrade_database(database_url)
        settings = Settings(
            environment="test",
            database_url=database_url,
            rpc_url=node.url,
            deployer_private_key=keys[0],
            relayer_private_key=keys[1],
        )

        log(f"web3.py: {args.web3_count} transfers, transact + wait_for_transaction_receipt ...")
        web3_rate = web3_baseline(w3, token, web3_payer, args.web3_count)
        database = "SQLite" if args.sqlite else "PostgreSQL"
        log(f"sender: {args.count} transfers, enqueue -> mined in the {database} outbox ...")
        sender_rate, details = through_sender(settings, token.address, relayer, args.count)
        assert token.functions.balanceOf(payee(args.count - 1, 0x5E0D)).call() == PAYOUT

    print(f"transactions: {args.count}")
    print(f"outbox_database: {'sqlite' if args.sqlite else 'postgresql'}")
    print(f"enqueue_seconds: {details['enqueue_seconds']:.2f}")
    print(f"sender_seconds: {details['sender_seconds']:.2f}")
    print(f"blocks: {details['blocks']}")
    print(f"web3_tx_per_s: {web3_rate:.0f}")
    print(f"sender_speedup_vs_web3: {sender_rate / web3_rate:.1f} x")
    print(f"sender_tx_per_s: {sender_rate:.0f}")


if __name__ == "__main__":
    main()
