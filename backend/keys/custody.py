"""Custodial chain keys: generated here, stored sealed, opened only to sign.

A private key leaves this module only inside an eth-account ``LocalAccount`` handed to
the transaction sender; it is never returned by an API, written to a log or put in an
exception message.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlmodel import Session, select

from backend.core.config import get_settings
from backend.keys.errors import MasterKeyMismatch
from backend.keys.master import MasterKey
from backend.keys.models import CustodialKey
from backend.keys.sealing import seal, unseal

log = logging.getLogger(__name__)


def _master(master: MasterKey | None) -> MasterKey:
    return master if master is not None else MasterKey.from_settings(get_settings())


def create_custodial_key(session: Session, owner_ref: str, *, master: MasterKey | None = None) -> str:
    """Generate a chain key for `owner_ref`, seal it and add it to `session`; returns its address.

    The caller commits. An owner that already has a key gets that key's address back,
    so a retried onboarding never leaves a participant with two addresses.
    """
    existing = session.exec(select(CustodialKey).where(CustodialKey.owner_ref == owner_ref)).first()
    if existing is not None:
        return existing.address
    master = _master(master)
    account = Account.create()
    nonce, ciphertext = seal(master, account.address, account.key)
    session.add(
        CustodialKey(
            owner_ref=owner_ref,
            address=account.address,
            master_key_id=master.key_id,
            nonce=nonce,
            ciphertext=ciphertext,
        )
    )
    session.flush()
    log.info("custodial key created for %s: %s (master key %s)", owner_ref, account.address, master.key_id)
    return account.address


def custodial_address(session: Session, owner_ref: str) -> str | None:
    row = session.exec(select(CustodialKey).where(CustodialKey.owner_ref == owner_ref)).first()
    return row.address if row is not None else None


def custodial_key_row(session: Session, address: str) -> CustodialKey | None:
    return session.exec(select(CustodialKey).where(CustodialKey.address == address)).first()


def open_key(row: CustodialKey, master: MasterKey) -> LocalAccount:
    if row.master_key_id != master.key_id:
        raise MasterKeyMismatch(row.address, row.master_key_id, master.key_id)
    return Account.from_key(unseal(master, row.address, row.nonce, row.ciphertext))


def open_custodial_key(session: Session, address: str, *, master: MasterKey | None = None) -> LocalAccount | None:
    """The signing account of a custodial `address`, or None when no custodial key is held for it."""
    row = custodial_key_row(session, address)
    return None if row is None else open_key(row, _master(master))


def keys_not_sealed_under(session: Session, master: MasterKey) -> int:
    """How many custodial keys the given master key cannot open (sealed under another)."""
    return len(session.exec(select(CustodialKey.id).where(CustodialKey.master_key_id != master.key_id)).all())


def rotate_master_key(session: Session, old: MasterKey, new: MasterKey) -> int:
    """Re-seal every key sealed under `old` with `new`; returns how many were re-sealed.

    Each key gets a fresh nonce; afterwards the old master key opens nothing. The caller
    commits, so a rotation that fails on any key (wrong `old`) changes none of them.
    """
    rows = session.exec(select(CustodialKey).where(CustodialKey.master_key_id == old.key_id)).all()
    now = datetime.now(UTC)
    for row in rows:
        private_key = unseal(old, row.address, row.nonce, row.ciphertext)
        row.nonce, row.ciphertext = seal(new, row.address, private_key)
        row.master_key_id = new.key_id
        row.rotated_at = now
        session.add(row)
    session.flush()
    log.info("re-sealed %d custodial keys from master key %s to %s", len(rows), old.key_id, new.key_id)
    return len(rows)
