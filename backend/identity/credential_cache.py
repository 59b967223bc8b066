"""Verified credentials remembered for a moment, so an authenticated request needs no query for them.

``verify_key`` costs a database round trip (and, in the API, a hop to a worker thread) on
every request. This cache keeps, per database and key prefix, what the last successful
verification read: the key's digest and the key's and participant's column values, for
``TTL_S`` seconds. A hit is checked as the database path checks: the presented secret
against the digest, the expiry against the request's time; the key and participant come
back as fresh instances added to the caller's session, as if it had loaded them.

Invalidation: every flush in this process that touches an ``ApiKey`` or a ``Participant``
(revocation, suspension, roles, KYC, sign-out) forgets the key and the participant's keys,
at the flush and again at the commit (so a request that read the old row in between
cannot keep it). Only a change made outside this process (another API worker, the CLI)
waits out the TTL. Failed verifications are never cached.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from backend.identity.models import ApiKey, Participant

TTL_S = 2.0
MAX_ENTRIES = 10_000


def _columns(model: type) -> tuple[str, ...]:
    return tuple(attr.key for attr in inspect(model).column_attrs)


_KEY_COLUMNS = _columns(ApiKey)
_PARTICIPANT_COLUMNS = _columns(Participant)


@dataclass(frozen=True)
class _Entry:
    key: dict[str, Any]
    participant: dict[str, Any]
    participant_id: uuid.UUID
    fresh_until: float


def _instance(model: type, values: dict[str, Any], session: Session) -> Any:
    """A persistent, clean instance of `model` with `values` in `session`, without a query.

    Built the way the ORM builds a row it loads (``new_instance`` without ``__init__``, values
    straight into the instance's dict): calling the SQLModel constructor instead set every
    column through the instrumented attributes, three times the CPU (measured 47 -> 17 us)."""
    instance = inspect(model).class_manager.new_instance()
    instance.__dict__.update(values)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


class CredentialCache:
    def __init__(self, ttl_s: float = TTL_S, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic):
        self.ttl_s = ttl_s
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, session: Session, database: str, presented: str, now: datetime) -> tuple[ApiKey, Participant] | None:
        """The key and participant for `presented` from a fresh entry, added to `session`; None to ask the database."""
        prefix, secret = _split(presented)
        if prefix is None:
            return None
        with self._lock:
            entry = self._entries.get((database, prefix))
        if entry is None or entry.fresh_until <= self._clock():
            return None
        if not hmac.compare_digest(hashlib.sha256(secret.encode()).hexdigest(), entry.key["secret_hash"]):
            return None  # the database path answers (401) and nothing is cached for a failure
        expires_at = entry.key["expires_at"]
        if expires_at is not None and expires_at <= now:
            return None
        return _instance(ApiKey, entry.key, session), _instance(Participant, entry.participant, session)

    def remember(self, database: str, record: ApiKey, participant: Participant) -> None:
        """After a successful verification: the rows as read, fresh for the TTL."""
        if self.ttl_s <= 0:
            return
        entry = _Entry(
            key={name: getattr(record, name) for name in _KEY_COLUMNS},
            participant={name: getattr(participant, name) for name in _PARTICIPANT_COLUMNS},
            participant_id=participant.id,
            fresh_until=self._clock() + self.ttl_s,
        )
        with self._lock:
            self._entries[(database, record.prefix)] = entry
            self._entries.move_to_end((database, record.prefix))
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def forget(self, prefixes: set[str], participant_ids: set[uuid.UUID]) -> None:
        if not prefixes and not participant_ids:
            return
        with self._lock:
            stale = [
                key
                for key, entry in self._entries.items()
                if key[1] in prefixes or entry.participant_id in participant_ids
            ]
            for key in stale:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _split(presented: str) -> tuple[str | None, str]:
    scheme, _, rest = presented.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != "tlk" or not prefix or not secret:
        return None, ""
    return prefix, secret


credentials = CredentialCache()  # the process's cache; the flush hooks below keep it honest

_TOUCHED = "trustledger.credential_cache.touched"


@event.listens_for(Session, "after_flush")
def _forget_flushed(session: Session, _context: Any) -> None:
    prefixes: set[str] = set()
    participants: set[uuid.UUID] = set()
    for instance in (*session.dirty, *session.deleted, *session.new):
        if isinstance(instance, ApiKey):
            prefixes.add(instance.prefix)
            participants.add(instance.participant_id)
        elif isinstance(instance, Participant):
            participants.add(instance.id)
    if prefixes or participants:
        credentials.forget(prefixes, participants)
        touched = session.info.setdefault(_TOUCHED, (set(), set()))
        touched[0].update(prefixes)
        touched[1].update(participants)


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    touched = session.info.pop(_TOUCHED, None)
    if touched is not None:
        credentials.forget(*touched)


@event.listens_for(Session, "after_rollback")
def _drop_touched(session: Session) -> None:
    session.info.pop(_TOUCHED, None)
