"""The worker killed after the commit was sent, before its receipt: after a restart exactly one
commit of the epoch is on chain, and settling the epoch again adds nothing."""

from __future__ import annotations

import signal
import subprocess
import sys

from sqlmodel import Session, select

from backend.chain.local_node import PROJECT_ROOT
from backend.chain.outbox import OutboxStatus, OutboxTransaction
from backend.settlement.models import Settlement
from backend.settlement.cosigning.commit import COMMIT_KIND
from tests.settlement.production import worker_env
from tests.settlement.support import closed_epoch_time


def commit_rows(world) -> list[OutboxTransaction]:
    with Session(world.engine) as session:
        return list(session.exec(select(OutboxTransaction).where(OutboxTransaction.kind == COMMIT_KIND)))


def test_worker_killed_between_broadcast_and_receipt_commits_once(world):
    p1, _ = world.publishers
    t = closed_epoch_time()
    world.traffic(p1, impressions=300, clicks=2, received_at=t)

    killed = subprocess.run(
        [sys.executable, "-m", "tests.settlement.worker_process", str(world.chain_id)],
        cwd=PROJECT_ROOT, env=worker_env(world.settings), capture_output=True, timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-3000:]
    (row,) = commit_rows(world)
    assert row.status == OutboxStatus.SIGNED and row.tx_hash is not None, "killed before it learnt the node's answer"
    assert world.w3.eth.get_transaction_receipt(row.tx_hash).status == 1, "the node has the commit"

    assert world.settle().skipped == "commit_in_flight", "the restarted worker builds nothing on it"

    world.mine()  # the restarted sender: the same signed bytes, then the receipt
    (row,) = commit_rows(world)
    assert row.status == OutboxStatus.MINED
    (commit,) = world.commits()
    assert commit.transactionHash.to_0x_hex() == row.tx_hash
    assert commit.args.eventCount == 302
    assert world.settle().skipped == "no_events", "settling the epoch again finds nothing"
    assert len(commit_rows(world)) == 1 and len(world.commits()) == 1
    with Session(world.engine) as session:
        assert len(session.exec(select(Settlement)).all()) == 1
