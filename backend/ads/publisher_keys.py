"""The keys a publisher signs event batches with: registered, listed, revoked, and found per batch.

A publisher registers Ed25519 public keys or secp256k1 keys (by their Ethereum
address); we never hold a secret that could sign for it. A non-custodial publisher's
own wallet address also signs, as its default secp256k1 key, without registering: it
already proves the participant's identity at sign-in. A custodial publisher's chain
address does not, because the platform holds that key. Revocation takes effect on the
next batch (keys are read per batch, not cached).

Whether the events of a verified batch may be billed is a separate question,
``PublisherStanding.active``: an approved participant with the publisher role and a
KYC not expired. A suspended publisher's signed batches are still stored, filtered as
``unknown_publisher``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from eth_utils import is_hex_address, to_canonical_address, to_checksum_address
from sqlalchemy import Connection, and_, bindparam, func
from sqlmodel import Session, col, select

from backend.ads.models import AdPublisherKey
from backend.ads.signatures import KeyType, PublisherKey
from backend.identity.models import CustodyMode, Participant, ParticipantStatus
from backend.identity.roles import Role, has_role

MAX_ACTIVE_KEYS = 10  # each key tried costs a verification on every batch


class KeyRefused(ValueError):
    """``code`` and ``status`` are the API's answer."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code


def parse_public_key(algorithm: KeyType, text: str) -> bytes:
    """The bytes stored for a key given as text: 64 hex digits (Ed25519) or an address (secp256k1)."""
    if algorithm is KeyType.SECP256K1:
        if not is_hex_address(text):
            raise KeyRefused(422, "key_invalid", "a secp256k1 key is registered by its 0x-prefixed Ethereum address")
        return to_canonical_address(text)
    try:
        raw = bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        raise KeyRefused(422, "key_invalid", "an Ed25519 public key is 32 bytes in hex") from None
    if len(raw) != 32:
        raise KeyRefused(422, "key_invalid", f"an Ed25519 public key is 32 bytes, got {len(raw)}")
    return raw


def key_text(algorithm: str, public_key: bytes) -> str:
    return to_checksum_address(public_key) if algorithm == KeyType.SECP256K1 else public_key.hex()


def wallet_key(participant: Participant) -> PublisherKey | None:
    """The default key of a non-custodial publisher: its own wallet."""
    if participant.chain_address is None or not _signs_with_wallet(participant.custody_mode, participant.roles):
        return None
    return PublisherKey(KeyType.SECP256K1, to_canonical_address(participant.chain_address))


def register_key(
    session: Session, participant: Participant, algorithm: KeyType, text: str, label: str | None
) -> AdPublisherKey:
    """Adds (and flushes) a key; refuses one this publisher registered before, even if revoked since."""
    public_key = parse_public_key(algorithm, text)
    existing = session.exec(
        select(AdPublisherKey).where(
            AdPublisherKey.participant_id == participant.id,
            AdPublisherKey.algorithm == algorithm.value,
            AdPublisherKey.public_key == public_key,
        )
    ).first()
    if existing is not None:
        state = "revoked" if existing.revoked_at is not None else "registered"
        raise KeyRefused(409, "key_exists", f"this key is {state} already (id {existing.id})")
    active = session.exec(
        select(func.count())
        .select_from(AdPublisherKey)
        .where(AdPublisherKey.participant_id == participant.id, col(AdPublisherKey.revoked_at).is_(None))
    ).one()
    if active >= MAX_ACTIVE_KEYS:
        raise KeyRefused(409, "too_many_keys", f"at most {MAX_ACTIVE_KEYS} keys may be active; revoke one first")
    key = AdPublisherKey(participant_id=participant.id, algorithm=algorithm.value, public_key=public_key, label=label)
    session.add(key)
    session.flush()
    return key


def list_keys(session: Session, participant: Participant) -> list[AdPublisherKey]:
    return list(
        session.exec(
            select(AdPublisherKey)
            .where(AdPublisherKey.participant_id == participant.id)
            .order_by(AdPublisherKey.created_at)
        )
    )


def revoke_key(session: Session, participant: Participant, key_id: uuid.UUID, now: datetime) -> AdPublisherKey:
    """Revokes one of the publisher's keys (again: no change); another publisher's key is not found."""
    key = session.get(AdPublisherKey, key_id)
    if key is None or key.participant_id != participant.id:
        raise KeyRefused(404, "not_found", f"no signing key {key_id}")
    if key.revoked_at is None:
        key.revoked_at = now
        session.add(key)
        session.flush()
    return key


@dataclass(frozen=True)
class PublisherStanding:
    participant_id: uuid.UUID
    address: str
    active: bool  # approved, holds the publisher role, KYC not expired: its events may be billed
    keys: tuple[PublisherKey, ...]


_participants = Participant.__table__
_keys = AdPublisherKey.__table__
_STANDING = (
    select(
        _participants.c.id,
        _participants.c.status,
        _participants.c.roles,
        _participants.c.kyc_expires_at,
        _participants.c.custody_mode,
        _keys.c.algorithm,
        _keys.c.public_key,
    )
    .select_from(
        _participants.outerjoin(_keys, and_(_keys.c.participant_id == _participants.c.id, _keys.c.revoked_at.is_(None)))
    )
    .where(_participants.c.chain_address == bindparam("address"))
)


def publisher_standing(connection: Connection, address: str, now: datetime) -> PublisherStanding | None:
    """The participant at ``address`` (checksummed) and every key that may sign for it, in one query."""
    rows = connection.execute(_STANDING, {"address": address}).all()
    if not rows:
        return None
    participant_id, status, roles, kyc_expires_at, custody_mode = rows[0][:5]
    keys = [PublisherKey(KeyType(row.algorithm), bytes(row.public_key)) for row in rows if row.algorithm is not None]
    if _signs_with_wallet(custody_mode, roles):
        keys.append(PublisherKey(KeyType.SECP256K1, to_canonical_address(address)))
    active = (
        status == ParticipantStatus.APPROVED
        and has_role(roles, Role.PUBLISHER)
        and (kyc_expires_at is None or kyc_expires_at > now)
    )
    return PublisherStanding(participant_id, address, active, tuple(keys))


def _signs_with_wallet(custody_mode: str, roles: int) -> bool:
    return custody_mode == CustodyMode.NON_CUSTODIAL and has_role(roles, Role.PUBLISHER)
