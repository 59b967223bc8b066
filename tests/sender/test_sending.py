"""Enqueue and send through anvil: payouts mined in order, reverts recorded, dependencies waited for."""

from __future__ import annotations

import pytest
from eth_account import Account
from sqlmodel import Session, select

from backend.chain.nonces import SenderNonce
from backend.chain.outbox import OutboxStatus, OutboxTransaction, enqueue, enqueue_many
from backend.chain.sender import SenderPolicy
from backend.core.db import engine_for
from tests.factories import TOKEN_UNIT, transact
from tests.sender.support import calldata, outbox_rows, transactions_from


def _enqueue(url: str, *rows: dict) -> list[int]:
    with Session(engine_for(url)) as session:
        added = [enqueue(session, **row) for row in rows]
        session.commit()
        return [row.id for row in added]


def test_mint_and_transfers_are_mined_in_enqueue_order(w3, token, admin, accounts, settings, make_sender):
    relayer = accounts[1]
    payees = [Account.create().address for _ in range(5)]
    first_block = w3.eth.block_number + 1
    _enqueue(
        settings.database_url,
        dict(sender=admin, to=token.address, data=calldata(token, "mint", relayer, 100 * TOKEN_UNIT), kind="token.mint"),
        *(
            dict(
                sender=relayer,
                to=token.address,
                data=calldata(token, "transfer", payee, (i + 1) * TOKEN_UNIT),
                kind="payout",
                reference=f"payout:{i}",
            )
            for i, payee in enumerate(payees)
        ),
    )

    make_sender().drain(timeout=30)

    assert [token.functions.balanceOf(p).call() for p in payees] == [(i + 1) * TOKEN_UNIT for i in range(5)]
    assert token.functions.balanceOf(relayer).call() == 85 * TOKEN_UNIT
    rows = outbox_rows(settings.database_url)
    assert {row.status for row in rows} == {OutboxStatus.MINED}
    payouts = [row for row in rows if row.kind == "payout"]
    assert [row.nonce for row in payouts] == list(range(payouts[0].nonce, payouts[0].nonce + 5))
    assert [row.reference for row in payouts] == [f"payout:{i}" for i in range(5)]
    on_chain = {tx["hash"].to_0x_hex(): tx for tx in transactions_from(w3, relayer, first_block)}
    assert set(on_chain) == {row.tx_hash for row in payouts}
    for row in payouts:
        assert on_chain[row.tx_hash]["nonce"] == row.nonce
        assert row.block_number == on_chain[row.tx_hash]["blockNumber"]
        assert row.gas_used > 21_000 and row.gas >= row.gas_used
    with Session(engine_for(settings.database_url)) as session:
        assert session.get(SenderNonce, relayer).next_nonce == payouts[-1].nonce + 1


def test_rolled_back_enqueue_sends_nothing(w3, token, admin, settings, make_sender):
    with Session(engine_for(settings.database_url)) as session:
        enqueue(session, sender=admin, to=token.address, data=calldata(token, "mint", admin, 1), kind="token.mint")
        session.rollback()
    nonce_before = w3.eth.get_transaction_count(admin)

    assert make_sender().run_once() == 0
    assert outbox_rows(settings.database_url) == []
    assert w3.eth.get_transaction_count(admin) == nonce_before


def test_enqueue_validates_and_normalises(token, admin, sqlite_url):
    with Session(engine_for(sqlite_url)) as session:
        row = enqueue(session, sender=admin.lower(), to=token.address.lower(), data="0xa9059cbb", kind="k")
        assert (row.sender, row.to, row.data, row.status) == (admin, token.address, b"\xa9\x05\x9c\xbb", "queued")
        with pytest.raises(ValueError, match="value must be >= 0"):
            enqueue(session, sender=admin, to=token.address, data=b"", value=-1, kind="k")
        with pytest.raises(ValueError, match="gas must be positive"):
            enqueue(session, sender=admin, to=token.address, data=b"", gas=0, kind="k")
        with pytest.raises(ValueError):
            enqueue(session, sender="0x1234", to=token.address, data=b"", kind="k")


def test_enqueue_many_adds_rows_in_order_in_the_callers_transaction(w3, token, admin, settings, make_sender):
    payees = [Account.create().address for _ in range(3)]
    mints = [dict(sender=admin, to=token.address, data=calldata(token, "mint", p, 2), kind="mint") for p in payees]
    with Session(engine_for(settings.database_url)) as session:
        assert enqueue_many(session, mints[:1]) == [1]
        session.rollback()
        with pytest.raises(ValueError, match="value must be >= 0"):
            enqueue_many(session, [mints[0], {**mints[1], "value": -5}])
        session.rollback()
        ids = enqueue_many(session, [{**mint, "reference": f"r{i}"} for i, mint in enumerate(mints)])
        assert enqueue_many(session, []) == []
        session.commit()

    make_sender().drain(timeout=30)

    rows = outbox_rows(settings.database_url)
    assert [row.id for row in rows] == ids and [row.reference for row in rows] == ["r0", "r1", "r2"]
    assert [row.nonce for row in rows] == list(range(rows[0].nonce, rows[0].nonce + 3))
    assert [token.functions.balanceOf(p).call() for p in payees] == [2, 2, 2]


def test_nonces_continue_across_restarts_and_skip_foreign_transactions(w3, token, admin, settings, make_sender):
    start = w3.eth.get_transaction_count(admin)
    mint = dict(sender=admin, to=token.address, data=calldata(token, "mint", admin, 1), kind="token.mint")
    _enqueue(settings.database_url, mint, mint)
    first = make_sender()
    first.drain(timeout=30)
    first.close()
    # A transaction sent outside the sender from the same key (a deploy script) takes nonce start + 2.
    transact(token.functions.mint(admin, 1), admin)
    _enqueue(settings.database_url, mint, mint)

    make_sender().drain(timeout=30)

    assert [row.nonce for row in outbox_rows(settings.database_url)] == [start, start + 1, start + 3, start + 4]
    assert w3.eth.get_transaction_count(admin) == start + 5
    assert token.functions.balanceOf(admin).call() == 5


def test_transaction_reverting_on_chain_is_recorded_with_reason_and_not_retried(w3, token, accounts, settings, make_sender):
    relayer, payee = accounts[1], accounts[2]
    nonce_before = w3.eth.get_transaction_count(relayer)
    [row_id] = _enqueue(
        settings.database_url,
        # An explicit gas limit skips estimation, so the transaction is mined and reverts on chain.
        dict(sender=relayer, to=token.address, data=calldata(token, "transfer", payee, 7), gas=100_000, kind="payout"),
    )
    sender = make_sender()
    sender.drain(timeout=30)

    [row] = outbox_rows(settings.database_url)
    assert row.status == OutboxStatus.REVERTED
    assert row.error == f"ERC20InsufficientBalance({relayer.lower()}, 0, 7)"
    assert w3.eth.get_transaction_receipt(row.tx_hash)["status"] == 0
    assert w3.eth.get_transaction_count(relayer) == nonce_before + 1
    assert sender.run_once() == 0
    assert outbox_rows(settings.database_url)[0].attempts == 0


def test_transaction_reverting_in_estimation_is_not_sent(w3, token, accounts, settings, make_sender):
    relayer, payee = accounts[1], accounts[2]
    nonce_before = w3.eth.get_transaction_count(relayer)
    _enqueue(
        settings.database_url,
        dict(sender=relayer, to=token.address, data=calldata(token, "transfer", payee, 7), kind="payout"),
    )
    make_sender().drain(timeout=30)

    [row] = outbox_rows(settings.database_url)
    assert (row.status, row.nonce, row.tx_hash, row.raw_tx) == (OutboxStatus.REVERTED, None, None, None)
    assert row.error == f"ERC20InsufficientBalance({relayer.lower()}, 0, 7)"
    assert w3.eth.get_transaction_count(relayer) == nonce_before


def test_row_waits_for_earlier_rows_it_depends_on(token, admin, accounts, settings, make_sender):
    relayer, payee = accounts[1], accounts[2]
    _enqueue(
        settings.database_url,
        dict(sender=admin, to=token.address, data=calldata(token, "mint", admin, 10), kind="mint"),
        # Same key: estimating this before the mint is mined reverts (balance 0).
        dict(sender=admin, to=token.address, data=calldata(token, "transfer", relayer, 10), kind="transfer"),
        # Another key: its balance comes from the transfer above.
        dict(sender=relayer, to=token.address, data=calldata(token, "transfer", payee, 4), kind="payout"),
    )
    make_sender().drain(timeout=30)

    assert [row.status for row in outbox_rows(settings.database_url)] == [OutboxStatus.MINED] * 3
    assert token.functions.balanceOf(payee).call() == 4


def test_unknown_signer_fails_without_taking_a_nonce(token, settings, make_sender):
    stranger = Account.create().address
    _enqueue(settings.database_url, dict(sender=stranger, to=token.address, data=b"", kind="k"))
    make_sender().drain(timeout=10)

    [row] = outbox_rows(settings.database_url)
    assert (row.status, row.nonce) == (OutboxStatus.FAILED, None)
    assert row.error == f"no signing key held for {stranger}"


def test_node_outage_is_retried_with_backoff(w3, token, admin, settings, make_sender):
    from backend.chain.local_node import free_port
    from backend.chain.sender import JsonRpc

    _enqueue(settings.database_url, dict(sender=admin, to=token.address, data=calldata(token, "mint", admin, 3), kind="m"))
    unreachable = JsonRpc(f"http://127.0.0.1:{free_port()}", timeout=1)
    down = make_sender(SenderPolicy(backoff_seconds=0), rpc=unreachable, chain_id=w3.eth.chain_id)
    assert down.run_once() == 0
    [row] = outbox_rows(settings.database_url)
    assert (row.status, row.attempts, row.nonce) == (OutboxStatus.QUEUED, 1, None)
    assert "127.0.0.1" in row.error and row.next_attempt_at is not None

    make_sender().drain(timeout=30)
    [row] = outbox_rows(settings.database_url)
    assert (row.status, row.error) == (OutboxStatus.MINED, None)
    assert token.functions.balanceOf(admin).call() == 3


def test_backoff_delays_the_next_attempt(token, admin, settings, make_sender):
    from backend.chain.local_node import free_port
    from backend.chain.sender import JsonRpc

    _enqueue(settings.database_url, dict(sender=admin, to=token.address, data=calldata(token, "mint", admin, 3), kind="m"))
    unreachable = JsonRpc(f"http://127.0.0.1:{free_port()}", timeout=1)
    down = make_sender(SenderPolicy(backoff_seconds=30), rpc=unreachable, chain_id=31337)
    down.run_once()

    assert make_sender().run_once() == 0  # not due for 30 s
    [row] = outbox_rows(settings.database_url)
    assert (row.status, row.attempts) == (OutboxStatus.QUEUED, 1)
    with Session(engine_for(settings.database_url)) as session:
        assert session.exec(select(OutboxTransaction.next_attempt_at)).one() > row.created_at


def test_custodial_key_signs_its_participants_transactions(w3, token, admin, accounts, settings, make_sender):
    from backend.keys import create_custodial_key
    from tests.sender.support import MASTER

    with Session(engine_for(settings.database_url)) as session:
        wallet = create_custodial_key(session, "participant:advertiser-1", master=MASTER)
        session.commit()
    w3.eth.send_transaction({"from": accounts[5], "to": wallet, "value": 10**17})
    transact(token.functions.mint(wallet, 50), admin)
    _enqueue(
        settings.database_url,
        dict(sender=wallet, to=token.address, data=calldata(token, "transfer", accounts[6], 20), kind="escrow.fund"),
    )
    make_sender().drain(timeout=30)

    [row] = outbox_rows(settings.database_url)
    assert row.status == OutboxStatus.MINED
    assert w3.eth.get_transaction(row.tx_hash)["from"] == wallet
    assert token.functions.balanceOf(accounts[6]).call() == 20
