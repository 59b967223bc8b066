"""Master-key rotation for consent data: re-wrap subject keys and re-key what the master key derives.

``backend.keys.rotate_master_key`` re-seals custodial chain keys; consent data needs this
beside it, in the same transaction, or every consumer becomes unreadable (wrapped keys)
and unfindable (wallet lookups and pairwise links are keyed by keys derived from the
master key). The subject keys themselves do not change, so no sealed field is rewritten.
"""

from __future__ import annotations

import logging

from sqlmodel import Session, select

from backend.consent import vault
from backend.consent.models import ConsentPairwise, ConsentSubject
from backend.consent.subjects import OpenSubject
from backend.keys.master import MasterKey

log = logging.getLogger(__name__)


def rotate_subject_keys(session: Session, old: MasterKey, new: MasterKey) -> int:
    """Move every subject wrapped under `old` to `new`; returns how many. The caller commits.

    Subjects are selected by `old`'s key id; one whose key still fails to open raises
    VaultError, and the caller's rollback leaves every subject as it was.
    """
    new_keys = vault.consent_keys(new)
    old_keys = vault.consent_keys(old)
    rows = session.exec(select(ConsentSubject).where(ConsentSubject.master_key_id == old.key_id)).all()
    for row in rows:
        subject = OpenSubject(row, vault.unwrap_subject_key(old, row.id, row.subject_key))
        wallet = subject.did.rsplit(":", 1)[1]
        for address in subject.ledger()["pairwise"]:
            link = session.get(ConsentPairwise, address)
            if link is not None and vault.open_link(old_keys, address, link.subject_ref) == row.id:
                link.subject_ref = vault.seal_link(new_keys, address, row.id)
                session.add(link)
        row.wallet_lookup = vault.wallet_lookup(new_keys, wallet)
        row.subject_key = vault.wrap_subject_key(new, row.id, subject.key)
        row.master_key_id = new.key_id
        session.add(row)
    session.flush()
    log.info("re-wrapped %d consent subjects from master key %s to %s", len(rows), old.key_id, new.key_id)
    return len(rows)
