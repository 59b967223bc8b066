"""A sender killed mid-flight: after a restart exactly one transaction holds the nonce, and the DB agrees."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from sqlmodel import Session

from backend.chain.local_node import PROJECT_ROOT
from backend.chain.outbox import OutboxStatus, enqueue
from backend.chain.sender import SenderPolicy
from backend.core.db import engine_for
from tests.sender.support import DEPLOYER, RELAYER, calldata, outbox_rows, transactions_from


# The receipt step's first call: the keys' mined nonces ("latest"; signing asks for "pending").
RECEIPT_CHECK = "eth_getTransactionCount:latest"


def worker_env(settings) -> dict[str, str]:
    return {
        **os.environ,
        "TRUSTLEDGER_ENVIRONMENT": "test",
        "TRUSTLEDGER_DATABASE_URL": settings.database_url,
        "TRUSTLEDGER_RPC_URL": settings.rpc_url,
        "TRUSTLEDGER_DEPLOYER_PRIVATE_KEY": DEPLOYER,
        "TRUSTLEDGER_RELAYER_PRIVATE_KEY": RELAYER,
    }


def run_killed_worker(settings, method: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tests.sender.worker_process", "crash-after", method],
        cwd=PROJECT_ROOT,
        env=worker_env(settings),
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()


def enqueue_mint(settings, token, admin, amount: int) -> None:
    with Session(engine_for(settings.database_url)) as session:
        enqueue(session, sender=admin, to=token.address, data=calldata(token, "mint", admin, amount), kind="token.mint")
        session.commit()


def assert_exactly_one_transaction(w3, admin, first_block: int, nonce: int, row) -> None:
    sent = transactions_from(w3, admin, first_block)
    assert [(tx["nonce"], tx["hash"].to_0x_hex()) for tx in sent] == [(nonce, row.tx_hash)]
    assert w3.eth.get_transaction_count(admin) == nonce + 1
    assert (row.status, row.nonce, row.block_number) == (OutboxStatus.MINED, nonce, sent[0]["blockNumber"])


@pytest.mark.parametrize(
    ("killed_after", "status_left"),
    [
        ("eth_sendRawTransaction", OutboxStatus.SIGNED),
        (RECEIPT_CHECK, OutboxStatus.BROADCAST),
    ],
)
def test_killed_after_broadcast_leaves_one_transaction(
    w3, token, admin, settings, make_sender, killed_after, status_left
):
    nonce, first_block = w3.eth.get_transaction_count(admin), w3.eth.block_number + 1
    enqueue_mint(settings, token, admin, 5)

    run_killed_worker(settings, killed_after)

    [row] = outbox_rows(settings.database_url)
    assert row.status == status_left and row.nonce == nonce
    assert w3.eth.get_transaction_receipt(row.tx_hash)["status"] == 1  # the node has it: killed after broadcasting
    hash_before_restart = row.tx_hash

    make_sender().drain(timeout=30)

    [row] = outbox_rows(settings.database_url)
    assert row.tx_hash == hash_before_restart
    assert_exactly_one_transaction(w3, admin, first_block, nonce, row)
    assert token.functions.balanceOf(admin).call() == 5


@pytest.mark.usefixtures("empty_pool_after")
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("killed_after", "resent_as"),
    [
        ("eth_sendRawTransaction", "the broadcast of a signed row"),
        (RECEIPT_CHECK, "a rebroadcast when the receipt check finds it unknown"),
    ],
)
def test_killed_after_broadcast_and_lost_by_the_node_resends_the_same_bytes(
    w3, token, admin, settings, make_sender, killed_after, resent_as
):
    nonce, first_block = w3.eth.get_transaction_count(admin), w3.eth.block_number + 1
    enqueue_mint(settings, token, admin, 5)
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        run_killed_worker(settings, killed_after)
        [row] = outbox_rows(settings.database_url)
        raw_before = row.raw_tx
        assert w3.eth.get_transaction(row.tx_hash)["blockNumber"] is None  # pending in the pool
        w3.provider.make_request("anvil_dropAllTransactions", [])  # the node restarts with an empty pool
    finally:
        w3.provider.make_request("evm_setAutomine", [True])

    make_sender(SenderPolicy(rebroadcast_after_seconds=0)).drain(timeout=30)

    [row] = outbox_rows(settings.database_url)
    assert row.raw_tx == raw_before
    assert row.attempts == (1 if killed_after == RECEIPT_CHECK else 0), resent_as
    assert_exactly_one_transaction(w3, admin, first_block, nonce, row)
