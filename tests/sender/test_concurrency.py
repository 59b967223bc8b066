"""Two workers on one PostgreSQL outbox never take the same nonce."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict

import pytest
from eth_account import Account
from sqlmodel import Session

from backend.chain.local_node import PROJECT_ROOT
from backend.chain.nonces import lock_nonce
from backend.chain.outbox import OutboxStatus, enqueue
from backend.core.db import engine_for
from tests.factories import transact
from tests.sender.support import calldata, make_settings, outbox_rows
from tests.sender.test_crash_safety import worker_env

pytestmark = pytest.mark.postgres


def test_a_locked_nonce_counter_is_skipped_by_a_second_worker(postgres_url, admin):
    engine = engine_for(postgres_url)
    with Session(engine) as first, Session(engine) as second:
        assert lock_nonce(first, admin) is not None
        assert lock_nonce(second, admin) is None  # SKIP LOCKED: the second worker moves on
        second.rollback()
        first.commit()
        assert lock_nonce(second, admin) is not None


def test_two_worker_processes_share_the_outbox_without_reusing_a_nonce(
    w3, token, admin, accounts, postgres_url, anvil_node, tmp_path
):
    relayer = accounts[1]
    transact(token.functions.mint(relayer, 10**9), admin)
    start = {admin: w3.eth.get_transaction_count(admin), relayer: w3.eth.get_transaction_count(relayer)}
    per_key = 100
    with Session(engine_for(postgres_url)) as session:
        for i in range(per_key):
            payee = Account.create().address
            enqueue(session, sender=admin, to=token.address, data=calldata(token, "mint", payee, 1), kind="mint")
            enqueue(session, sender=relayer, to=token.address, data=calldata(token, "transfer", payee, 1), kind="payout")
        session.commit()
    go = tmp_path / "go"
    env = worker_env(make_settings(postgres_url, anvil_node.url))
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.sender.worker_process", "drain", str(go), "10"],
            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    try:
        go.touch()
        outputs = [worker.communicate(timeout=90) for worker in workers]
    finally:
        for worker in workers:
            worker.kill()

    assert [worker.returncode for worker in workers] == [0, 0], [err.decode()[-2000:] for _, err in outputs]
    signed = [int(out) for out, _ in outputs]
    assert sum(signed) == 2 * per_key and min(signed) > 0, signed
    nonces = defaultdict(list)
    for row in outbox_rows(postgres_url):
        assert row.status == OutboxStatus.MINED
        assert w3.eth.get_transaction(row.tx_hash)["nonce"] == row.nonce
        nonces[row.sender].append(row.nonce)
    for key in (admin, relayer):
        assert sorted(nonces[key]) == list(range(start[key], start[key] + per_key))
        assert w3.eth.get_transaction_count(key) == start[key] + per_key
