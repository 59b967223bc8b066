"""The two services identity needs from the chain side, as swappable callables.

``backend.chain.outbox.enqueue`` (the one transaction sender) and
``backend.keys.custody.create_custodial_key`` (encrypted custodial keys) are resolved
when first needed; the API takes them through dependencies so a test can put a
recording fake in their place.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlmodel import Session


class Enqueue(Protocol):
    def __call__(
        self,
        session: Session,
        *,
        sender: str,
        to: str,
        data: bytes | str,
        value: int = 0,
        kind: str,
        reference: str | None = None,
        gas: int | None = None,
    ) -> Any: ...


class CreateCustodialKey(Protocol):
    def __call__(self, session: Session, owner_ref: str) -> str: ...


def outbox_enqueue() -> Enqueue:
    from backend.chain.outbox import enqueue

    return enqueue


def custodial_key_creator() -> CreateCustodialKey:
    from backend.keys.custody import create_custodial_key

    return create_custodial_key
