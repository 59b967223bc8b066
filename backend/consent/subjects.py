"""Consumers as the platform holds them: found by wallet or pairwise address, opened with their key.

A subject's DID, profile and ledger are sealed under its own key (``backend.consent.vault``).
The ledger lists the pairwise addresses the consumer has used and the consents the API
accepted from them, so export and erasure find everything, pending grants included,
without any clear-text index from the consumer to its pairwise addresses.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete
from sqlmodel import Session, select

from backend.consent import vault
from backend.consent.errors import PairwiseConflict, SubjectKeyUnavailable, SubjectSessionUnknown
from backend.consent.models import ConsentPairwise, ConsentSubject
from backend.consent.profile import Profile
from backend.consent.sessions import close_sessions
from backend.core.addresses import checksummed
from backend.core.db_pipeline import Executor, Step, session_executor
from backend.dids.identifiers import pkh_did


@dataclass
class OpenSubject:
    """A subject whose key is unwrapped for this request; reads and writes its sealed fields."""

    row: ConsentSubject
    key: bytes = field(repr=False)

    @property
    def id(self) -> uuid.UUID:
        return self.row.id

    def _read(self, name: str, sealed: bytes) -> Any:
        return json.loads(vault.open_field(self.key, self.id, name, sealed))

    def _seal(self, name: str, value: Any) -> bytes:
        return vault.seal_field(self.key, self.id, name, json.dumps(value, sort_keys=True).encode())

    @property
    def did(self) -> str:
        return self._read("did", self.row.did)

    def profile(self) -> dict:
        return {} if self.row.profile is None else self._read("profile", self.row.profile)

    def set_profile(self, profile: Profile) -> None:
        self.row.profile = self._seal("profile", profile.by_category())

    def ledger(self) -> dict:
        return self._read("ledger", self.row.ledger)

    def set_ledger(self, ledger: dict) -> None:
        self.row.ledger = self._seal("ledger", ledger)


_SUBJECT_BY_ID = ConsentSubject.__table__.select().where(ConsentSubject.__table__.c.id == bindparam("id"))


def _empty_ledger() -> dict:
    return {"pairwise": {}, "consents": {}}


class SubjectStore:
    """Every read and write of subjects goes through here; the caller commits."""

    def __init__(self, session: Session, keys: vault.ConsentKeys):
        self.session = session
        self.keys = keys

    def by_wallet(self, wallet: str) -> ConsentSubject | None:
        lookup = vault.wallet_lookup(self.keys, wallet)
        return self.session.exec(select(ConsentSubject).where(ConsentSubject.wallet_lookup == lookup)).first()

    def enrol(self, wallet: str, chain_id: int) -> ConsentSubject:
        """The wallet's subject, created (with a fresh key) on its first sign-in."""
        existing = self.by_wallet(wallet)
        if existing is not None:
            return existing
        subject_id = uuid.uuid4()
        key = vault.new_subject_key()
        row = ConsentSubject(
            id=subject_id,
            wallet_lookup=vault.wallet_lookup(self.keys, wallet),
            master_key_id=self.keys.key_id,
            subject_key=vault.wrap_subject_key(self.keys.master, subject_id, key),
            did=b"",
            ledger=b"",
        )
        opened = OpenSubject(row, key)
        row.did = opened._seal("did", pkh_did(chain_id, wallet))
        opened.set_ledger(_empty_ledger())
        self.session.add(row)
        self.session.flush()
        return row

    def open(self, row: ConsentSubject) -> OpenSubject:
        if row.master_key_id != self.keys.key_id:
            raise SubjectKeyUnavailable(
                
                f"subject keys are wrapped by master key {row.master_key_id}, not this one",
            )
        try:
            return OpenSubject(row, vault.unwrap_subject_key(self.keys.master, row.id, row.subject_key))
        except vault.VaultError as exc:
            raise SubjectKeyUnavailable(str(exc)) from None

    def get(self, subject_id: uuid.UUID) -> OpenSubject:
        row = self.session.get(ConsentSubject, subject_id)
        if row is None:
            raise SubjectSessionUnknown("this consumer's data was erased; sign in again")
        return self.open(row)

    def pairwise(self, address: str) -> ConsentPairwise | None:
        return self.session.get(ConsentPairwise, checksummed(address))

    def owner_by_link(self, address: str, subject_ref: bytes, execute: Executor | None = None) -> OpenSubject | None:
        """The subject a pairwise address belongs to, for reading (None once that subject is erased).

        The row is a detached copy fetched without the ORM's identity map and unit of work,
        through `execute` (default: this store's session): after the consent lookup this is
        the data path's hottest query.
        """
        subject_id = vault.open_link(self.keys, address, subject_ref)
        (rows,) = (execute or session_executor(self.session))([Step(_SUBJECT_BY_ID, {"id": subject_id})])
        return self.open(ConsentSubject(**rows[0]._asdict())) if rows else None

    def link(self, subject: OpenSubject, address: str, grantee: str, now: datetime) -> None:
        """Record that `address` signs for `subject` towards `grantee` (idempotent).

        Raises ConsentError 409 when the address already signs for another consumer or
        grantee: a pairwise address serves one grantee only, or it would link them.
        """
        address, grantee = checksummed(address), checksummed(grantee)
        existing = self.pairwise(address)
        if existing is not None:
            owner = vault.open_link(self.keys, address, existing.subject_ref)
            if owner != subject.id or existing.grantee != grantee:
                raise PairwiseConflict(
                    f"{address} already signs for another consumer or another advertiser"
                )
            return
        sealed = vault.seal_link(self.keys, address, subject.id)
        self.session.add(ConsentPairwise(address=address, grantee=grantee, subject_ref=sealed))
        ledger = subject.ledger()
        ledger["pairwise"][address] = {"grantee": grantee, "linked_at": now.isoformat()}
        subject.set_ledger(ledger)
        self.session.add(subject.row)

    def record_consent(
        self, subject: OpenSubject, consent_id: str, pairwise: str, offer_id: int, now: datetime
    ) -> None:
        ledger = subject.ledger()
        ledger["consents"].setdefault(
            consent_id, {"subject": checksummed(pairwise), "offer_id": offer_id, "accepted_at": now.isoformat()}
        )
        subject.set_ledger(ledger)
        self.session.add(subject.row)

    def erase(self, subject: OpenSubject) -> list[str]:
        """Delete the subject's key, sealed data, pairwise links and sessions; returns the unlinked addresses."""
        addresses = sorted(subject.ledger()["pairwise"])
        for address in addresses:
            self.session.execute(delete(ConsentPairwise).where(ConsentPairwise.address == address))
        close_sessions(self.session, subject.id)
        self.session.execute(delete(ConsentSubject).where(ConsentSubject.id == subject.id))
        subject.key = b""
        return addresses
