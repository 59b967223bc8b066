"""Send a participant's chain call: from its custodial key through the outbox, or as the
transaction its own wallet signed (``signed_transactions``).

A non-custodial caller that sends no signed transaction gets a 422
``signed_transaction_required`` whose details are the call to sign (to, data, chain id,
from); it signs that and repeats the request with ``signed_transaction``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from sqlmodel import Session

from backend.campaigns.errors import (
    CampaignChainNotConfigured,
    InvalidSignedTransaction,
    SignedTransactionNotExpected,
    SignedTransactionRequired,
)
from backend.campaigns.chain import EscrowTarget
from backend.campaigns.signed_transactions import decode_signed, queue_signed, require_call
from backend.core.config import Settings
from backend.identity.chain import ChainNotConfigured
from backend.identity.models import CustodyMode, Participant
from backend.identity.ports import Enqueue


@dataclass(frozen=True)
class Call:
    to: str
    data: bytes
    kind: str  # "<Contract>.<function>", the outbox row's kind


@dataclass(frozen=True)
class Submission:
    """What to send: `calls` from a custodial key, in order; a wallet signs `wallet_call` alone,
    whose calldata `accepts` checks (None: it must equal `wallet_call.data` byte for byte)."""

    calls: list[Call]
    wallet_call: Call
    accepts: Callable[[bytes], str | None] | None = field(default=None)


class ChainWriter:
    """Queues a request's chain calls on its session; never sends or commits."""

    def __init__(self, session: Session, settings: Settings, enqueue: Enqueue):
        self.session = session
        self.settings = settings
        self.enqueue = enqueue

    @cached_property
    def target(self) -> EscrowTarget:
        """Resolved on first use, so a request that fails its own checks first never sees a 503."""
        try:
            return EscrowTarget.from_settings(self.settings)
        except ChainNotConfigured as exc:
            raise CampaignChainNotConfigured(str(exc)) from None

    def submit(self, participant: Participant, sender: str, submission: Submission, *, signed: str | None,
               reference: str) -> list[int]:
        """Queue `submission` for `participant` acting as chain account `sender`; returns outbox ids."""
        if participant.custody_mode == CustodyMode.CUSTODIAL:
            if signed is not None:
                raise SignedTransactionNotExpected(
                    "the platform signs for a custodial participant"
                )
            rows = [
                self.enqueue(
                    self.session, sender=sender, to=call.to, data=call.data, kind=call.kind, reference=reference
                )
                for call in submission.calls
            ]
            self.session.flush()
            return [row.id for row in rows]
        call = submission.wallet_call
        if signed is None:
            raise SignedTransactionRequired(
                
                "a non-custodial participant signs this call with its wallet and sends it as signed_transaction",
                {"from": sender, "to": call.to, "data": "0x" + call.data.hex(), "value": "0",
                 "chain_id": self.target.chain_id},
            )
        tx = decode_signed(signed)
        require_call(tx, sender=sender, to=call.to, chain_id=self.target.chain_id)
        problem = submission.accepts(tx.data) if submission.accepts else (
            None if tx.data == call.data else "its calldata is not the call this request asks for"
        )
        if problem is not None:
            raise InvalidSignedTransaction(problem, [problem])
        return [queue_signed(self.session, tx, kind=call.kind, reference=reference).id]
