"""`trustledger run`: refuses a broker; on anvil, one process serves the API and gets a queued
transaction mined and mirrored with no other process running."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select
from typer.testing import CliRunner

from backend.chain.local_node import free_port
from backend.chain.outbox import OutboxStatus, OutboxTransaction, enqueue
from backend.cli import app as trustledger
from backend.core.config import Settings, get_settings
from backend.core.db import engine_for
from backend.db.migrate import upgrade_database
from backend.worker.embedded import EmbeddedServices
from contracts import load_artifact
from indexer.models import TokenBalance
from tests.settlement.support import ADMIN_KEY, deploy, settings_for

TRUSTLEDGER = Path(sys.executable).with_name("trustledger")  # the installed console script


def test_refuses_to_start_with_a_broker(monkeypatch, tmp_path):
    monkeypatch.setenv("TRUSTLEDGER_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("TRUSTLEDGER_DATABASE_URL", f"sqlite:///{tmp_path / 'never.db'}")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(trustledger, ["run"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "TRUSTLEDGER_BROKER_URL is set" in result.output
    assert "trustledger worker" in result.output and "trustledger beat" in result.output
    assert not (tmp_path / "never.db").exists()  # refused before touching the database


def test_a_taken_port_fails_the_start_and_stops_cleanly(tmp_path):
    settings = Settings(
        environment="test", database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", rpc_url="http://127.0.0.1:9"
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        services = EmbeddedServices(settings, host="127.0.0.1", port=taken.getsockname()[1], log_level="critical")
        with pytest.raises(RuntimeError, match="the API did not start"):
            services.start()
    assert services.stop(timeout=2) == []
    assert not services.sender.is_alive() and not services.indexer.is_alive()  # never started


def test_services_refuse_a_broker(tmp_path):
    settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", broker_url="redis://x")
    with pytest.raises(ValueError, match="broker"):
        EmbeddedServices(settings, host="127.0.0.1", port=free_port())


def wait_for(condition, what: str, timeout: float, process: subprocess.Popen):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"trustledger run exited ({process.returncode}) waiting for {what}")
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_one_process_serves_the_api_and_mines_and_mirrors_a_queued_transaction(anvil_node, w3, tmp_path):
    settings = settings_for(f"sqlite:///{tmp_path / 'trustledger.db'}", tmp_path, anvil_node.url)
    manifest = deploy(anvil_node.url, settings)
    upgrade_database(settings.database_url)
    admin = Account.from_key(ADMIN_KEY).address
    token = w3.eth.contract(address=manifest.address("TokenUSD"), abi=load_artifact("SettlementToken").abi)
    with Session(engine_for(settings.database_url)) as session:
        mint = token.encode_abi("mint", args=[admin, 1234])
        row = enqueue(session, sender=admin, to=token.address, data=mint, kind="token.mint")
        session.commit()
        row_id = row.id

    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("TRUSTLEDGER_")}
    env.update(
        TRUSTLEDGER_ENVIRONMENT="test",
        TRUSTLEDGER_DATABASE_URL=settings.database_url,
        TRUSTLEDGER_RPC_URL=settings.rpc_url,
        TRUSTLEDGER_MANIFEST_PATH=str(settings.manifest_path),
        TRUSTLEDGER_DEPLOYER_PRIVATE_KEY=ADMIN_KEY,
        TRUSTLEDGER_RELAYER_PRIVATE_KEY=settings.relayer_private_key.get_secret_value(),
        TRUSTLEDGER_ATTESTER_PRIVATE_KEY=settings.attester_private_key.get_secret_value(),
        TRUSTLEDGER_MASTER_KEY=settings.master_key.get_secret_value(),
        TRUSTLEDGER_CONTENT_STORE_URL=settings.content_store_url,
    )
    env.pop("DATABASE_URL", None)
    log_file = tmp_path / "run.log"  # a file, not a pipe nobody reads until the end: the log cannot block it
    with log_file.open("w") as log_output:
        process = subprocess.Popen(
            [str(TRUSTLEDGER), "run", "--host", "127.0.0.1", "--port", str(port), "--sender-interval", "0.05"],
            cwd=tmp_path,
            env=env,
            stdout=log_output,
            stderr=subprocess.STDOUT,
        )
    try:
        def health() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json() == {"status": "ok"}
            except httpx.TransportError:
                return False

        wait_for(health, "/health", 20, process)

        def mined() -> OutboxTransaction | None:
            with Session(engine_for(settings.database_url)) as session:
                found = session.get(OutboxTransaction, row_id)
                return found if found.status == OutboxStatus.MINED else None

        row = wait_for(mined, "the outbox row to be mined", 15, process)
        assert w3.eth.get_transaction_receipt(row.tx_hash)["status"] == 1
        assert token.functions.balanceOf(admin).call() == 1234

        def mirrored() -> int | None:
            with Session(engine_for(settings.database_url)) as session:
                try:
                    balances = session.exec(select(TokenBalance)).all()
                except OperationalError:  # the indexer has not created its tables yet
                    return None
            wanted = (token.address.lower(), admin.lower())
            return next((b.balance for b in balances if (b.token.lower(), b.holder.lower()) == wanted), None)

        assert wait_for(mirrored, "the indexer to mirror the mint", 15, process) == 1234

        stopping = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert time.monotonic() - stopping < 6
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    log = log_file.read_text()
    assert "embedded mode: API at" in log
    assert "anchor-events every 30s" in log and "send-outbox" not in log
    assert "Traceback" not in log, log
