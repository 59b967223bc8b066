"""The two services identity needs from the chain side, as swappable callables.

``backend.chain.outbox.enqueue`` (the one transaction sender) and
``backend.keys.create_custodial_key`` (sealed custodial keys) are imported when first
needed; the API takes them through dependencies, so a test can put a recording fake
in their place.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlmodel import Session

from backend.identity.errors import CustodyNotConfigured
from backend.core.config import Settings


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


def custodial_keys(settings: Settings) -> CreateCustodialKey:
    """Creates keys sealed under the master key of `settings` (looked up only when a key is made)."""
    from backend.keys import MasterKey, MasterKeyUnavailable, create_custodial_key

    def create(session: Session, owner_ref: str) -> str:
        try:
            master = MasterKey.from_settings(settings)
        except MasterKeyUnavailable as exc:
            raise CustodyNotConfigured(str(exc)) from None
        return create_custodial_key(session, owner_ref, master=master)

    return create
