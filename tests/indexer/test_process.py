"""The indexer as a process: kill -9 in the middle of a batch, restart; and the CLI commands."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys

from sqlalchemy import delete, update
from typer.testing import CliRunner

from backend.chain.local_node import free_port
from backend.cli import app as trustledger
from contracts.deployment import DeploymentManifest
from indexer import Indexer, IndexerSettings, verify
from indexer.models import RawLog, TokenBalance
from tests.factories import transact
from tests.indexer.helpers import wait_until

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _indexer(load_chain, mirror_url) -> Indexer:
    return Indexer(
        IndexerSettings(database_url=mirror_url, rpc_url=load_chain.url, manifest_path=load_chain.manifest_path)
    )


def _start(load_chain, mirror_url) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "indexer",
        "--database-url", mirror_url,
        "--rpc-url", load_chain.url,
        "--manifest", str(load_chain.manifest_path),
        "--max-block-range", "3",
        "run",
    ]  # fmt: skip
    env = dict(os.environ, TRUSTLEDGER_TARGET_LOGS_PER_REQUEST="40", TRUSTLEDGER_POLL_INTERVAL="0.05")
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_kill_9_in_the_middle_of_a_batch_then_restart(load_chain, mirror_url, w3):
    # Hundreds of 3-block ranges: even a fast run lasts many polls, so the kill lands mid-run.
    for _ in range(3):
        load_chain.emit_transfers(400, per_tx=50)
        load_chain.mine(200)
    head = w3.eth.block_number
    observer = _indexer(load_chain, mirror_url)
    try:
        process = _start(load_chain, mirror_url)
        try:
            # Batches of ~40 logs commit every few milliseconds: a random instant lands inside one.
            start = observer.catalog.start_block
            target = random.randint(start + 5, start + (head - start) // 2)
            wait_until(lambda: _checkpoint(observer) >= target, timeout=60, what="the indexer to commit batches")
            process.send_signal(signal.SIGKILL)
            assert process.wait(timeout=10) == -signal.SIGKILL
        finally:
            process.kill()
            process.wait()
        assert _checkpoint(observer) < head, "killed before the end"
        assert verify(observer) == [], "the killed mirror is consistent up to its checkpoint"

        observer.sync_to_head()  # the restart
        assert observer.checkpoint().block_number == head
        assert verify(observer) == []
        with observer.engine.connect() as connection:
            stored = connection.execute(RawLog.__table__.select()).all()
        assert len(stored) == load_chain.log_count()
    finally:
        observer.close()


def _checkpoint(indexer: Indexer) -> int:
    try:
        checkpoint = indexer.checkpoint()
    except Exception:  # the tables appear when the process has migrated them
        return -1
    return checkpoint.block_number if checkpoint else -1


def _cli(load_chain, mirror_url, *arguments: str):
    options = ["index", "--database-url", mirror_url, "--rpc-url", load_chain.url, "--manifest", str(load_chain.manifest_path)]
    return CliRunner().invoke(trustledger, options + list(arguments))


def test_cli_backfill_status_and_verify_listing_each_difference(load_chain, mirror_url, w3, admin, accounts):
    load_chain.emit_transfers(120)
    transact(load_chain.token.functions.mint(accounts[3], 900), admin)
    head = w3.eth.block_number
    start = DeploymentManifest.load(load_chain.manifest_path).start_block

    gap = _cli(load_chain, mirror_url, "backfill", "--from", str(start + 5), "--to", str(head))
    assert gap.exit_code == 2 and "BackfillGap" in gap.output

    done = _cli(load_chain, mirror_url, "backfill", "--from", str(start), "--to", str(head))
    assert done.exit_code == 0, done.output
    assert f"indexed to block {head}" in done.output

    status = _cli(load_chain, mirror_url, "status")
    assert status.exit_code == 0, status.output
    assert f"head: {head}" in status.output and f"indexed_block: {head}" in status.output
    assert "lag: 0 blocks" in status.output

    unreachable = CliRunner().invoke(
        trustledger,
        ["index", "--database-url", mirror_url, "--rpc-url", f"http://127.0.0.1:{free_port()}",
         "--manifest", str(load_chain.manifest_path), "status"],
    )  # fmt: skip
    assert unreachable.exit_code == 0, unreachable.output
    assert "head: unreachable" in unreachable.output and f"indexed_block: {head}" in unreachable.output

    clean = _cli(load_chain, mirror_url, "verify")
    assert clean.exit_code == 0 and "mirror matches the chain" in clean.output

    observer = _indexer(load_chain, mirror_url)
    try:
        with observer.engine.begin() as connection:
            victim = connection.execute(RawLog.__table__.select().limit(1)).mappings().first()
            connection.execute(
                delete(RawLog.__table__).where(
                    RawLog.__table__.c.block_number == victim["block_number"],
                    RawLog.__table__.c.log_index == victim["log_index"],
                )
            )
            connection.execute(
                update(TokenBalance.__table__).where(TokenBalance.__table__.c.holder == accounts[3]).values(balance=1)
            )
    finally:
        observer.close()
    dirty = _cli(load_chain, mirror_url, "verify")
    assert dirty.exit_code == 1
    assert f"missing log: block {victim['block_number']} log {victim['log_index']}" in dirty.output
    assert f"changed row: chain_token_balances ('{load_chain.token.address}', '{accounts[3]}'): balance: mirror 1, chain 900" in dirty.output
