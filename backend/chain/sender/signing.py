"""Step 1 of a pass: give queued rows a nonce, sign them, and store the raw transaction.

The signed bytes and their hash are committed before anything is sent. Whatever
happens afterwards (crash, timeout, a node restart), the row is only ever sent again
with these same bytes, so one nonce can never become two different transactions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine, func, or_
from sqlmodel import Session, col, select

from backend.chain.nonces import advance, lock_nonce, next_free_nonce
from backend.chain.outbox import IN_FLIGHT, PENDING, OutboxStatus, OutboxTransaction
from backend.chain.sender.encoding import TransactionSigner
from backend.chain.sender.fees import Fees
from backend.chain.sender.policy import SenderPolicy, retry_later
from backend.chain.sender.reverts import decode_revert, revert_data
from backend.chain.sender.rpc import JsonRpc, RpcError, RpcTransportError
from backend.keys import KeyCustodyError, UnknownSigner

log = logging.getLogger(__name__)

SignerLookup = Callable[[Session, str], LocalAccount]


def is_revert(error: RpcError) -> bool:
    # geth and anvil answer code 3 "execution reverted"; Besu -32000 "Execution reverted".
    return error.code == 3 or "revert" in error.message.lower()


def call_object(row: OutboxTransaction) -> dict:
    return {"from": row.sender, "to": row.to, "data": "0x" + row.data.hex(), "value": hex(row.value)}


def sign_row(
    row: OutboxTransaction, signer: TransactionSigner, *, chain_id: int, nonce: int, gas: int, fees: Fees
) -> None:
    signed = signer.sign(chain_id=chain_id, nonce=nonce, to=row.to, value=row.value, data=row.data, gas=gas, fees=fees)
    row.nonce, row.gas = nonce, gas
    row.max_fee_per_gas, row.max_priority_fee_per_gas, row.gas_price = (
        fees.max_fee_per_gas,
        fees.max_priority_fee_per_gas,
        fees.gas_price,
    )
    row.raw_tx, row.tx_hash = signed.raw, signed.hash


def _due(now: datetime):
    return or_(col(OutboxTransaction.next_attempt_at).is_(None), col(OutboxTransaction.next_attempt_at) <= now)


def senders_with_queued(engine: Engine, now: datetime) -> list[str]:
    with Session(engine) as session:
        statement = (
            select(OutboxTransaction.sender)
            .where(OutboxTransaction.status == OutboxStatus.QUEUED, _due(now))
            .distinct()
        )
        return list(session.exec(statement).all())


def _retry_later(rows: list[OutboxTransaction], error: str, policy: SenderPolicy, now: datetime) -> None:
    for row in rows:
        retry_later(row, error, policy, now)


def sign_queued(
    engine: Engine,
    rpc: JsonRpc,
    sender: str,
    *,
    chain_id: int,
    fees: Callable[[], Fees],
    signer: SignerLookup,
    policy: SenderPolicy,
    now: datetime,
) -> int:
    """Sign up to `policy.batch_size` queued rows of `sender`, in enqueue order; returns rows changed."""
    with Session(engine, expire_on_commit=False) as session:
        counter = lock_nonce(session, sender)
        if counter is None:
            return 0  # another worker is signing for this key right now
        rows = list(
            session.exec(
                select(OutboxTransaction)
                .where(OutboxTransaction.sender == sender, OutboxTransaction.status == OutboxStatus.QUEUED, _due(now))
                .order_by(OutboxTransaction.id)
                .limit(policy.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
        )
        if not rows:
            session.commit()
            return 0
        try:
            account = signer(session, sender)
        except UnknownSigner as error:
            for row in rows:
                _finish(row, OutboxStatus.FAILED, str(error), now)
            log.error("outbox: %d transactions failed: %s", len(rows), error)
            session.commit()
            return len(rows)
        except KeyCustodyError as error:
            _retry_later(rows, str(error), policy, now)
            log.error("outbox: cannot open the key of %s: %s", sender, error)
            session.commit()
            return 0
        changed = _sign_rows(session, rpc, rows, account, counter, chain_id, fees, policy, now)
        session.commit()
        return changed


def _sign_rows(session, rpc, rows, account, counter, chain_id, fees, policy, now) -> int:
    sender, signer = account.address, TransactionSigner(account.key)
    to_estimate = [row for row in rows if row.gas is None and policy.gas_limit is None]
    try:
        replies = rpc.batch(
            [("eth_getTransactionCount", [sender, "pending"])]
            + [("eth_estimateGas", [call_object(row)]) for row in to_estimate]
        )
        quote = fees()
    except RpcTransportError as error:
        _retry_later(rows, str(error), policy, now)
        log.warning("outbox: node unreachable while signing for %s: %s", sender, error)
        return 0
    if isinstance(replies[0], RpcError):
        _retry_later(rows, str(replies[0]), policy, now)
        return 0
    estimates = dict(zip((row.id for row in to_estimate), replies[1:]))
    ahead_in_flight = session.exec(
        select(OutboxTransaction.id)
        .where(OutboxTransaction.sender == sender, col(OutboxTransaction.status).in_(IN_FLIGHT))
        .limit(1)
    ).first() is not None
    # Stuck rows are left out: a key nobody funds must not hold up every other key's rows.
    earliest_elsewhere = session.exec(
        select(func.min(OutboxTransaction.id)).where(
            OutboxTransaction.sender != sender,
            col(OutboxTransaction.status).in_(PENDING),
            col(OutboxTransaction.stuck_since).is_(None),
        )
    ).one()
    first_nonce = nonce = next_free_nonce(counter, int(replies[0], 16))
    changed = 0
    for row in rows:
        estimate = estimates.get(row.id)
        if isinstance(estimate, RpcError):
            if not is_revert(estimate):
                _retry_later([row], str(estimate), policy, now)
                break  # later rows keep their order behind this one
            if ahead_in_flight or nonce > first_nonce or (earliest_elsewhere or row.id) < row.id:
                # It may depend on a transaction enqueued before it (approve before deposit, mint
                # before transfer) that is not mined yet: estimate again once those are final, and
                # keep the rows behind it in order. The earliest pending row never waits, so this ends.
                break
            reason = decode_revert(revert_data(estimate.data), estimate.message)
            _finish(row, OutboxStatus.REVERTED, reason, now)
            log.warning("outbox %s (%s): reverts in estimation, not sent: %s", row.id, row.kind, reason)
            changed += 1
            continue
        gas = row.gas or policy.gas_limit or int(estimate, 16) * (100 + policy.gas_margin_percent) // 100
        sign_row(row, signer, chain_id=chain_id, nonce=nonce, gas=gas, fees=quote)
        row.status, row.signed_at, row.error = OutboxStatus.SIGNED, now, None
        row.next_attempt_at = row.stuck_since = None
        nonce += 1
        changed += 1
    advance(counter, nonce)
    session.add(counter)
    return changed


def _finish(row: OutboxTransaction, status: OutboxStatus, error: str | None, now: datetime) -> None:
    row.status, row.error, row.finished_at, row.next_attempt_at = status, error, now, None
