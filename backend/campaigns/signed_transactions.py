"""Transactions a non-custodial participant signed itself, checked and handed to the one sender.

CampaignEscrow takes every advertiser call from the advertiser's own account
(``msg.sender``), and an EIP-2612 permit only names the escrow as spender for the
account that then calls ``fundWithPermit``; so the platform cannot send these calls for
a wallet it has no key of. The wallet signs the transaction, the API checks that it is
exactly the call the request asks for (sender, escrow, chain id, calldata, no value) and
stores it as an outbox row that is already ``signed``: the sender broadcasts those bytes,
follows the receipt and reports it like any other row, and the unique (sender, nonce)
and hash columns refuse the same transaction twice. Relaying through a forwarder
contract was rejected: CampaignEscrow would have to trust it for ``msg.sender``.
"""

from __future__ import annotations

from dataclasses import dataclass

import rlp
from eth_account import Account
from eth_account.typed_transactions import TypedTransaction
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, or_, select

from backend.campaigns.errors import (
    CampaignInputInvalid,
    InvalidSignedTransaction,
    TransactionAlreadySubmitted,
)
from backend.chain.outbox import OutboxStatus, OutboxTransaction, utcnow

# Legacy (EIP-155) and typed transactions with an explicit chain id; blob and set-code types are refused.
_TYPED = (1, 2)


@dataclass(frozen=True)
class SignedTransaction:
    raw: bytes
    tx_hash: str
    sender: str
    chain_id: int
    nonce: int
    to: str | None
    value: int
    data: bytes
    gas: int
    gas_price: int | None
    max_fee_per_gas: int | None
    max_priority_fee_per_gas: int | None


def _refuse(reason: str) -> CampaignInputInvalid:
    return InvalidSignedTransaction(reason)


def decode_signed(raw_hex: str) -> SignedTransaction:
    try:
        raw = bytes(HexBytes(raw_hex))
    except ValueError:
        raise _refuse("signed_transaction is not hex") from None
    if not raw:
        raise _refuse("signed_transaction is empty")
    try:
        sender = Account.recover_transaction(raw)
        if raw[0] < 0x7F:
            if raw[0] not in _TYPED:
                raise _refuse(f"transaction type {raw[0]} is not accepted (legacy, 1 or 2)")
            fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
            chain_id = fields["chainId"]
        else:
            nonce, gas_price, gas, to, value, data, v, _r, _s = rlp.decode(raw)
            v = int.from_bytes(v, "big")
            if v < 35:
                raise _refuse("a legacy transaction must be EIP-155 signed (bound to the chain id)")
            chain_id = (v - 35) // 2
            fields = {
                "nonce": int.from_bytes(nonce, "big"),
                "gasPrice": int.from_bytes(gas_price, "big"),
                "gas": int.from_bytes(gas, "big"),
                "to": to,
                "value": int.from_bytes(value, "big"),
                "data": data,
            }
    except CampaignInputInvalid:
        raise
    except Exception as exc:  # noqa: BLE001 -- any decoding failure of client bytes is bad input
        raise _refuse(f"cannot decode the signed transaction: {exc}") from None
    to = fields.get("to")
    return SignedTransaction(
        raw=raw,
        tx_hash="0x" + keccak(raw).hex(),
        sender=sender,
        chain_id=chain_id,
        nonce=fields["nonce"],
        to=to_checksum_address(to) if to else None,
        value=fields["value"],
        data=bytes(fields["data"]),
        gas=fields["gas"],
        gas_price=fields.get("gasPrice"),
        max_fee_per_gas=fields.get("maxFeePerGas"),
        max_priority_fee_per_gas=fields.get("maxPriorityFeePerGas"),
    )


def require_call(tx: SignedTransaction, *, sender: str, to: str, chain_id: int) -> None:
    """The transaction comes from `sender`, calls `to` on `chain_id` and sends no value."""
    problems = []
    if tx.sender != to_checksum_address(sender):
        problems.append(f"signed by {tx.sender}, expected {to_checksum_address(sender)}")
    if tx.to != to_checksum_address(to):
        problems.append(f"sent to {tx.to}, expected {to_checksum_address(to)}")
    if tx.chain_id != chain_id:
        problems.append(f"for chain {tx.chain_id}, expected {chain_id}")
    if tx.value != 0:
        problems.append("must not send value")
    if problems:
        raise InvalidSignedTransaction("; ".join(problems), problems)


def queue_signed(session: Session, tx: SignedTransaction, *, kind: str, reference: str) -> OutboxTransaction:
    """Add `tx` to the outbox as signed; the sender broadcasts it as it is. The caller commits."""
    taken = session.exec(
        select(OutboxTransaction.id).where(
            or_(
                OutboxTransaction.tx_hash == tx.tx_hash,
                (OutboxTransaction.sender == tx.sender) & (OutboxTransaction.nonce == tx.nonce),
            )
        )
    ).first()
    if taken is not None:
        raise TransactionAlreadySubmitted(f"nonce {tx.nonce} of {tx.sender} was submitted before")
    row = OutboxTransaction(
        sender=tx.sender,
        to=tx.to,
        data=tx.data,
        value=tx.value,
        kind=kind,
        reference=reference,
        status=OutboxStatus.SIGNED,
        gas=tx.gas,
        nonce=tx.nonce,
        max_fee_per_gas=tx.max_fee_per_gas,
        max_priority_fee_per_gas=tx.max_priority_fee_per_gas,
        gas_price=tx.gas_price,
        raw_tx=tx.raw,
        tx_hash=tx.tx_hash,
        signed_at=utcnow(),
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        # A concurrent submission of the same transaction won the unique index; the caller rolls back.
        raise TransactionAlreadySubmitted(
            f"nonce {tx.nonce} of {tx.sender} was submitted before"
        ) from None
    return row
