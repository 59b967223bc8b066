"""Rotating the master key keeps every consumer readable and findable, under the new key only."""

from datetime import UTC, datetime

from eth_account import Account
from sqlmodel import Session

from backend.consent import vault
from backend.consent.profile import Profile
from backend.consent.rotation import rotate_subject_keys
from backend.consent.subjects import SubjectStore
from backend.core.db import engine_for
from backend.db.migrate import upgrade_database
from backend.keys import MasterKey

GRANTEE = "0x" + "aa" * 20


def test_rotation_rewraps_subjects_and_rekeys_lookups_and_links(tmp_path):
    url = f"sqlite:///{tmp_path / 'rotation.db'}"
    upgrade_database(url)
    old, new = MasterKey.generate(), MasterKey.generate()
    wallet, pairwise = Account.create().address, Account.create().address
    now = datetime.now(UTC)
    with Session(engine_for(url)) as session:
        store = SubjectStore(session, vault.consent_keys(old))
        subject = store.open(store.enrol(wallet, 31337))
        subject.set_profile(Profile.model_validate({"country": "FR"}))
        store.link(subject, pairwise, GRANTEE, now)
        session.commit()

    with Session(engine_for(url)) as session:
        assert rotate_subject_keys(session, MasterKey.generate(), new) == 0, "only what the old key wraps"
        assert rotate_subject_keys(session, old, new) == 1
        session.commit()

    with Session(engine_for(url)) as session:
        assert SubjectStore(session, vault.consent_keys(old)).by_wallet(wallet) is None
        store = SubjectStore(session, vault.consent_keys(new))
        found = store.open(store.by_wallet(wallet))
        assert found.profile() == {"country": "FR"}
        assert store.owner_by_link(pairwise, store.pairwise(pairwise).subject_ref).id == found.id
        assert rotate_subject_keys(session, old, new) == 0, "nothing left under the old key"
