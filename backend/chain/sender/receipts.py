"""Step 3 of a pass: follow broadcast rows to their receipts; recover lost and stuck transactions.

For a row without a receipt the node is asked, after a while, whether it still knows the
transaction:
1. it does: the transaction waits in the pool. Only the key's lowest unmined nonce can be
   stuck (the others wait behind it, as they should): when the key's mined nonce has not
   moved for `stuck_after_blocks` blocks and `stuck_after_seconds` seconds, that row is
   marked stuck (and, if the policy says so, replaced by the same nonce with higher fees,
   signed and committed before it is sent). If nothing of ours holds the mined nonce, the
   row waits behind a nonce gap and is reported the same way;
2. it does not, and the key's mined nonce has not reached the row's: the node lost it
   (restart, pool eviction), so the same raw bytes are sent again, never a new signature;
3. it does not, and the key's mined nonce is past the row's: another transaction took the
   nonce; the row fails. The mined nonce is read before the receipts, so a transaction of
   ours mined in between is seen by the receipt look-up and never taken for case 3.
   (Nor can a receipt be missed by reading the nonce first: a row whose nonce was not yet
   mined is simply looked at again in the next pass.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from backend.chain.outbox import IN_FLIGHT, OutboxStatus, OutboxTransaction
from backend.chain.sender.encoding import TransactionSigner
from backend.chain.sender.fees import Fees
from backend.chain.sender.policy import SenderPolicy, retry_later
from backend.chain.sender.reverts import decode_revert, revert_data
from backend.chain.sender.rpc import JsonRpc, RpcError, RpcTransportError
from backend.chain.sender.signing import SignerLookup, call_object, sign_row
from backend.core.metrics import TRANSACTION_GAS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyProgress:
    """When a key's mined nonce last moved (or was first seen), by block and by clock."""

    nonce: int
    block: int
    at: datetime


def _observe(progress: dict[str, KeyProgress], mined_nonce: dict[str, int], head: int, now: datetime) -> None:
    for sender, nonce in mined_nonce.items():
        seen = progress.get(sender)
        if seen is None or seen.nonce != nonce:
            progress[sender] = KeyProgress(nonce, head, now)


def track_receipts(
    engine: Engine,
    rpc: JsonRpc,
    *,
    chain_id: int,
    fees: Callable[[], Fees],
    signer: SignerLookup,
    policy: SenderPolicy,
    now: datetime,
    progress: dict[str, KeyProgress],
    limit: int = 5000,
) -> int:
    """Settle broadcast rows that have a receipt; returns how many rows changed state.

    `progress` is the caller's memory of each key's mined nonce across passes; after a
    restart it starts empty, which only delays a stuck report by one window.
    """
    with Session(engine, expire_on_commit=False) as session:
        candidates = session.exec(
            select(OutboxTransaction.id, OutboxTransaction.sender, OutboxTransaction.nonce, OutboxTransaction.broadcast_at)
            .where(OutboxTransaction.status == OutboxStatus.BROADCAST)
            .order_by(OutboxTransaction.sender, OutboxTransaction.nonce)
            .limit(limit)
        ).all()
        if not candidates:
            return 0
        senders = sorted({candidate.sender for candidate in candidates})
        try:
            replies = rpc.batch(
                [("eth_blockNumber", [])] + [("eth_getTransactionCount", [sender, "latest"]) for sender in senders]
            )
        except RpcTransportError as error:
            log.warning("outbox: node unreachable while reading receipts: %s", error)
            return 0
        head = int(replies[0], 16)
        mined_nonce = {sender: int(reply, 16) for sender, reply in zip(senders, replies[1:])}
        _observe(progress, mined_nonce, head, now)
        # A key's transactions are mined in nonce order: below its mined nonce a receipt exists,
        # at or above it none can, so those rows cost no look-up until they are old enough to check.
        overdue = now - timedelta(seconds=policy.rebroadcast_after_seconds)
        wanted = [
            c.id for c in candidates if c.nonce < mined_nonce[c.sender] or c.broadcast_at <= overdue
        ]
        if not wanted:
            return 0
        rows = list(
            session.exec(
                select(OutboxTransaction)
                .where(col(OutboxTransaction.id).in_(wanted), OutboxTransaction.status == OutboxStatus.BROADCAST)
                .order_by(OutboxTransaction.sender, OutboxTransaction.nonce)
                .with_for_update(skip_locked=True)
            ).all()
        )
        lowest_in_flight = dict(
            session.exec(
                select(OutboxTransaction.sender, func.min(OutboxTransaction.nonce))
                .where(col(OutboxTransaction.status).in_(IN_FLIGHT), col(OutboxTransaction.sender).in_(senders))
                .group_by(OutboxTransaction.sender)
            ).all()
        )
        chain = _Chain(head, mined_nonce, lowest_in_flight, progress)
        try:
            changed = _track(session, rpc, rows, chain, chain_id, fees, signer, policy, now)
        except RpcTransportError as error:
            log.warning("outbox: node unreachable while reading receipts: %s", error)
            return 0
        session.commit()
        return changed


@dataclass(frozen=True)
class _Chain:
    head: int
    mined_nonce: dict[str, int]
    lowest_in_flight: dict[str, int]
    progress: dict[str, KeyProgress]


def _track(session, rpc, rows, chain: _Chain, chain_id, fees, signer, policy, now) -> int:
    mined_nonce = chain.mined_nonce
    hashes = [(row, tx_hash) for row in rows if row.nonce < mined_nonce[row.sender] for tx_hash in row.all_hashes]
    replies = rpc.batch([("eth_getTransactionReceipt", [tx_hash]) for _, tx_hash in hashes])
    receipts: dict[int, dict] = {}
    for (row, _), receipt in zip(hashes, replies):
        if isinstance(receipt, dict):
            receipts[row.id] = receipt
    changed = 0
    reverted: list[tuple[OutboxTransaction, dict]] = []
    for row in rows:
        receipt = receipts.get(row.id)
        if receipt is None:
            continue
        _settle(row, receipt, now)
        changed += 1
        if row.status == OutboxStatus.REVERTED:
            reverted.append((row, receipt))
    _explain_reverts(rpc, reverted)
    waiting = [
        row
        for row in rows
        if row.id not in receipts
        and row.broadcast_at <= now - timedelta(seconds=policy.rebroadcast_after_seconds)
        and (row.next_attempt_at is None or row.next_attempt_at <= now)
    ]
    if waiting:
        changed += _check_waiting(session, rpc, waiting, chain, chain_id, fees, signer, policy, now)
    return changed


def _settle(row: OutboxTransaction, receipt: dict, now: datetime) -> None:
    mined_hash = receipt["transactionHash"]
    if mined_hash != row.tx_hash:
        # An earlier signature of this nonce won the race against its replacement.
        others = [h for h in row.all_hashes if h != mined_hash]
        row.tx_hash, row.replaced_hashes = mined_hash, " ".join(others)
    row.block_number = int(receipt["blockNumber"], 16)
    row.gas_used = int(receipt["gasUsed"], 16)
    row.status = OutboxStatus.MINED if int(receipt["status"], 16) == 1 else OutboxStatus.REVERTED
    row.finished_at, row.stuck_since, row.error, row.next_attempt_at = now, None, None, None
    if row.status == OutboxStatus.REVERTED:
        log.warning("outbox %s (%s): transaction %s reverted", row.id, row.kind, row.tx_hash)
    TRANSACTION_GAS.labels(row.kind, "mined" if row.status == OutboxStatus.MINED else "reverted").observe(row.gas_used)


def _explain_reverts(rpc: JsonRpc, reverted: list[tuple[OutboxTransaction, dict]]) -> None:
    """Replay each reverted call on the state before its block for the reason; best effort."""
    if not reverted:
        return
    replies = rpc.batch(
        [
            ("eth_call", [{**call_object(row), "gas": hex(row.gas)}, hex(int(receipt["blockNumber"], 16) - 1)])
            for row, receipt in reverted
        ]
    )
    for (row, _), reply in zip(reverted, replies):
        if isinstance(reply, RpcError):
            row.error = decode_revert(revert_data(reply.data), reply.message)
        else:
            row.error = "reverted (the reason did not reproduce on the previous block's state)"


def _check_waiting(session, rpc, rows, chain: _Chain, chain_id, fees, signer, policy, now) -> int:
    known = rpc.batch([("eth_getTransactionByHash", [tx_hash]) for row in rows for tx_hash in row.all_hashes])
    known_ids: set[int] = set()
    index = 0
    for row in rows:
        count = len(row.all_hashes)
        if any(isinstance(reply, dict) for reply in known[index : index + count]):
            known_ids.add(row.id)
        index += count
    changed = 0
    resend: list[OutboxTransaction] = []
    for row in rows:
        if row.id in known_ids:
            if row.nonce == chain.lowest_in_flight.get(row.sender):
                changed += _check_stuck(session, row, chain, chain_id, fees, signer, policy, now)
        elif chain.mined_nonce[row.sender] > row.nonce:
            row.status, row.finished_at = OutboxStatus.FAILED, now
            row.error = f"nonce {row.nonce} was used by another transaction of {row.sender}"
            log.error("outbox %s: %s", row.id, row.error)
            changed += 1
        else:
            resend.append(row)
    if resend:
        replies = rpc.batch([("eth_sendRawTransaction", ["0x" + row.raw_tx.hex()]) for row in resend])
        for row, reply in zip(resend, replies):
            # Counted as an attempt: a node that keeps losing the transaction gets it reported stuck.
            outcome = f" ({reply})" if isinstance(reply, RpcError) else ""
            retry_later(row, f"the node lost the transaction; sent the same bytes again{outcome}", policy, now)
            log.warning("outbox %s: node lost %s (nonce %s); sent the same bytes again", row.id, row.tx_hash, row.nonce)
    return changed


def _check_stuck(session, row, chain: _Chain, chain_id, fees, signer, policy, now) -> int:
    progress = chain.progress[row.sender]
    blocks = chain.head - max(row.broadcast_block or 0, progress.block)
    seconds = (now - max(row.broadcast_at, progress.at)).total_seconds()
    if blocks < policy.stuck_after_blocks or seconds < policy.stuck_after_seconds:
        return 0
    if row.stuck_since is None:
        row.stuck_since = now
        mined = chain.mined_nonce[row.sender]
        behind = f"; nonces {mined}..{row.nonce - 1} are held by no transaction (gap)" if row.nonce > mined else ""
        log.error(
            "outbox %s: nonce %s of %s stuck: %s not mined, the key made no progress for %d blocks / %.0f s%s",
            row.id, row.nonce, row.sender, row.tx_hash, blocks, seconds, behind,
        )
    if not policy.replace_stuck:
        return 0
    old = Fees(row.max_fee_per_gas, row.max_priority_fee_per_gas, row.gas_price)
    replaced = row.tx_hash
    sign_row(
        row,
        TransactionSigner(signer(session, row.sender).key),
        chain_id=chain_id,
        nonce=row.nonce,
        gas=row.gas,
        fees=old.bumped(policy.fee_bump_percent, floor=fees()),
    )
    # Back to signed: the replacement is committed before the next step sends it.
    row.replaced_hashes = " ".join([*row.replaced_hashes.split(), replaced])
    row.status, row.stuck_since, row.attempts = OutboxStatus.SIGNED, None, row.attempts + 1
    row.broadcast_at, row.broadcast_block = None, None
    log.warning("outbox %s: replaced stuck %s by %s (nonce %s, higher fees)", row.id, replaced, row.tx_hash, row.nonce)
    return 1
