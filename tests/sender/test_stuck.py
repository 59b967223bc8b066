"""Stuck transactions and nonce gaps are detected and reported; a stuck one can be replaced by a higher fee."""

from __future__ import annotations

import logging
from contextlib import contextmanager

import pytest
from eth_account import Account
from sqlmodel import Session
from typer.testing import CliRunner

from backend.chain.nonces import SenderNonce
from backend.chain.outbox import OutboxStatus, enqueue
from backend.chain.sender import SenderPolicy, sender_status
from backend.cli import app
from backend.core.db import engine_for
from backend.keys import create_custodial_key
from tests.sender.support import MASTER, calldata, outbox_rows, transactions_from

pytestmark = [
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
    pytest.mark.usefixtures("empty_pool_after"),
]
# Check waiting transactions and call them stuck without waiting (tests never sleep through a window).
AT_ONCE = {"stuck_after_blocks": 0, "stuck_after_seconds": 0, "rebroadcast_after_seconds": 0}


@contextmanager
def mining_by_hand(w3):
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        yield
    finally:
        w3.provider.make_request("evm_setAutomine", [True])


def enqueue_mint(settings, token, admin, amount: int = 1) -> None:
    with Session(engine_for(settings.database_url)) as session:
        enqueue(session, sender=admin, to=token.address, data=calldata(token, "mint", admin, amount), kind="token.mint")
        session.commit()


def status_of(settings, rpc, address):
    with Session(engine_for(settings.database_url)) as session:
        return next(key for key in sender_status(session, rpc) if key.sender == address)


def cli_status(monkeypatch, settings):
    monkeypatch.setattr("backend.cli.sender.get_settings", lambda: settings)
    return CliRunner().invoke(app, ["sender", "status"])


def test_unmined_transaction_is_reported_stuck_then_clears(w3, token, admin, settings, make_sender, caplog, monkeypatch):
    sender = make_sender(SenderPolicy(**AT_ONCE))
    with mining_by_hand(w3):
        enqueue_mint(settings, token, admin)
        sender.run_once()  # signed and broadcast; nothing mines it
        with caplog.at_level(logging.ERROR, logger="backend.chain.sender"):
            sender.run_once()

        [row] = outbox_rows(settings.database_url)
        assert row.status == OutboxStatus.BROADCAST and row.stuck_since is not None
        assert f"nonce {row.nonce} of {admin} stuck" in caplog.text
        key = status_of(settings, sender.rpc, admin)
        assert [(s.id, s.nonce, s.tx_hash) for s in key.stuck] == [(row.id, row.nonce, row.tx_hash)]
        assert key.gaps == [] and not key.healthy
        result = cli_status(monkeypatch, settings)
        assert result.exit_code == 1
        assert f"stuck outbox {row.id} (token.mint)" in " ".join(result.output.split())

        w3.provider.make_request("evm_mine", [])
        sender.run_once()

    [row] = outbox_rows(settings.database_url)
    assert (row.status, row.stuck_since) == (OutboxStatus.MINED, None)
    assert status_of(settings, sender.rpc, admin).healthy
    assert cli_status(monkeypatch, settings).exit_code == 0


def test_stuck_transaction_is_replaced_with_higher_fees_and_only_one_is_mined(w3, token, admin, settings, make_sender):
    nonce, first_block = w3.eth.get_transaction_count(admin), w3.eth.block_number + 1
    with mining_by_hand(w3):
        enqueue_mint(settings, token, admin, 9)
        make_sender().run_once()
        sender = make_sender(SenderPolicy(**AT_ONCE, replace_stuck=True))
        [row] = outbox_rows(settings.database_url)
        first_hash, first_fee, first_tip = row.tx_hash, row.max_fee_per_gas, row.max_priority_fee_per_gas

        sender.run_once()  # stuck: re-signed with the same nonce and higher fees, committed before sending
        [row] = outbox_rows(settings.database_url)
        assert row.status == OutboxStatus.SIGNED and row.replaced_hashes == first_hash
        assert row.nonce == nonce and row.tx_hash != first_hash
        assert row.max_fee_per_gas > first_fee * 1.1 and row.max_priority_fee_per_gas > first_tip * 1.1
        make_sender().run_once()  # the node takes the replacement in place of the first one
        w3.provider.make_request("evm_mine", [])
        make_sender().run_once()

    [row] = outbox_rows(settings.database_url)
    assert row.status == OutboxStatus.MINED and row.stuck_since is None
    sent = transactions_from(w3, admin, first_block)
    assert [(tx["nonce"], tx["hash"].to_0x_hex()) for tx in sent] == [(nonce, row.tx_hash)]
    assert token.functions.balanceOf(admin).call() == 9


def test_nonce_gap_is_reported(w3, token, admin, settings, make_sender, monkeypatch):
    chain_nonce = w3.eth.get_transaction_count(admin)
    with Session(engine_for(settings.database_url)) as session:
        # As if two signed transactions had vanished with their rows (a restored backup).
        session.add(SenderNonce(sender=admin, next_nonce=chain_nonce + 2))
        session.commit()
    enqueue_mint(settings, token, admin)
    sender = make_sender(SenderPolicy(stuck_after_blocks=2, stuck_after_seconds=0, rebroadcast_after_seconds=0))
    sender.run_once()
    sender.run_once()
    assert outbox_rows(settings.database_url)[0].stuck_since is None
    for _ in range(2):
        w3.provider.make_request("evm_mine", [])
    sender.run_once()

    [row] = outbox_rows(settings.database_url)
    assert row.nonce == chain_nonce + 2 and row.stuck_since is not None  # waits behind the gap, 2 blocks
    key = status_of(settings, sender.rpc, admin)
    assert key.gaps == [chain_nonce, chain_nonce + 1]
    assert (key.next_nonce, key.chain_nonce) == (chain_nonce + 3, chain_nonce)
    result = cli_status(monkeypatch, settings)
    assert result.exit_code == 1
    assert f"nonces [{chain_nonce}, {chain_nonce + 1}] are held by no transaction" in " ".join(result.output.split())


def test_refused_signed_transaction_is_retried_then_reported_stuck(w3, token, accounts, settings, make_sender):
    with Session(engine_for(settings.database_url)) as session:
        wallet = create_custodial_key(session, "participant:unfunded", master=MASTER)
        transfer = calldata(token, "transfer", accounts[3], 0)
        enqueue(session, sender=wallet, to=token.address, data=transfer, gas=60_000, kind="t")
        session.commit()
    sender = make_sender(SenderPolicy(backoff_seconds=0, stuck_after_attempts=2))
    sender.run_once()
    [row] = outbox_rows(settings.database_url)
    assert (row.status, row.attempts, row.stuck_since) == (OutboxStatus.SIGNED, 1, None)
    assert "insufficient funds" in row.error.lower()
    signed_hash = row.tx_hash
    sender.run_once()
    [row] = outbox_rows(settings.database_url)
    assert (row.attempts, row.tx_hash) == (2, signed_hash) and row.stuck_since is not None

    w3.eth.send_transaction({"from": accounts[5], "to": wallet, "value": 10**17})
    sender.drain(timeout=30)

    [row] = outbox_rows(settings.database_url)
    assert (row.status, row.tx_hash, row.stuck_since) == (OutboxStatus.MINED, signed_hash, None)
    assert w3.eth.get_transaction(signed_hash)["from"] == wallet


def test_nonce_taken_by_another_transaction_fails_the_row(w3, token, admin, settings, make_sender):
    sender = make_sender(SenderPolicy(rebroadcast_after_seconds=0))
    nonce = w3.eth.get_transaction_count(admin)
    with mining_by_hand(w3):
        enqueue_mint(settings, token, admin)
        sender.run_once()
        w3.provider.make_request("anvil_dropAllTransactions", [])
        # Someone else spends the nonce with another transaction from the same key.
        w3.eth.send_transaction({"from": admin, "to": Account.create().address, "value": 1, "nonce": nonce})
        w3.provider.make_request("evm_mine", [])
        sender.run_once()

    [row] = outbox_rows(settings.database_url)
    assert row.status == OutboxStatus.FAILED
    assert row.error == f"nonce {nonce} was used by another transaction of {admin}"


def test_a_stuck_key_does_not_hold_up_the_rows_of_other_keys(w3, token, accounts, settings, make_sender):
    relayer, payee = accounts[1], accounts[3]
    with Session(engine_for(settings.database_url)) as session:
        wallet = create_custodial_key(session, "participant:unfunded", master=MASTER)
        enqueue(session, sender=wallet, to=token.address, data=calldata(token, "transfer", payee, 0), gas=60_000, kind="t")
        # Reverts (the relayer holds no tokens); it waits while an earlier row may still change the state.
        enqueue(session, sender=relayer, to=token.address, data=calldata(token, "transfer", payee, 7), kind="payout")
        session.commit()
    sender = make_sender(SenderPolicy(backoff_seconds=0, stuck_after_attempts=1))
    sender.run_once()
    sender.run_once()

    stuck, payout = outbox_rows(settings.database_url)
    assert (stuck.status, stuck.stuck_since is not None) == (OutboxStatus.SIGNED, True)
    assert (payout.status, payout.error) == (OutboxStatus.REVERTED, f"ERC20InsufficientBalance({relayer.lower()}, 0, 7)")


@contextmanager
def block_gas_limit(w3, limit: int):
    original = w3.eth.get_block("latest")["gasLimit"]
    w3.provider.make_request("evm_setBlockGasLimit", [hex(limit)])
    try:
        yield
    finally:
        w3.provider.make_request("evm_setBlockGasLimit", [hex(original)])


def test_transactions_waiting_behind_a_moving_backlog_are_not_stuck(w3, token, admin, settings, make_sender):
    sender = make_sender(SenderPolicy(stuck_after_blocks=2, stuck_after_seconds=0, rebroadcast_after_seconds=0))
    with mining_by_hand(w3):
        for _ in range(3):
            enqueue_mint(settings, token, admin)
        sender.run_once()  # all three broadcast at the same head
        with block_gas_limit(w3, 120_000):  # one mint per block
            for _ in range(2):
                w3.provider.make_request("evm_mine", [])
        sender.run_once()

        # Two blocks since the last one was broadcast, but the key moved: it waits in line, it is not stuck.
        rows = outbox_rows(settings.database_url)
        assert [row.status for row in rows] == [OutboxStatus.MINED, OutboxStatus.MINED, OutboxStatus.BROADCAST]
        assert rows[2].stuck_since is None
        with block_gas_limit(w3, 21_000):  # blocks the mint does not fit in
            for _ in range(2):
                w3.provider.make_request("evm_mine", [])
        sender.run_once()
        assert outbox_rows(settings.database_url)[2].stuck_since is not None  # now the key has stood still
