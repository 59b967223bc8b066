"""The data path: an advertiser gets only the fields an active, unexpired consent covers for its purpose.

For each read:

1. look up the consents of (pairwise subject, grantee = the caller's address, purpose)
   that are active on chain, not yet expired at this moment (expiry is judged at read
   time: no transaction is needed for a consent to lapse) and not withdrawn through the
   API (a withdrawal counts from when the API accepted it, before it is relayed);
2. the union of their offers' data categories is what may be disclosed; the rest of
   what was asked (by default: every category) is withheld;
3. open the subject's profile with its key and keep the covered fields;
4. append the access to the log (who, which fields, purpose, consent ids, time),
   refused reads included.

An unknown subject, an erased one and one without a consent all look the same to the
caller: refused, and logged.

The statements run through a `db_pipeline` executor. On PostgreSQL each is its own round
trip and transaction on one raw connection (no BEGIN or COMMIT of their own: SQLAlchemy's
execution of them and the commit were most of a read's CPU); under READ COMMITTED a
transaction around them would give them no common snapshot anyway, and the log row is
durable before the answer leaves. Elsewhere they run in the caller's Session, which commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, exists, select

from backend.consent.audit import record_access
from backend.consent.models import AccessOutcome, ConsentPairwise, ConsentWithdrawal
from backend.consent.subjects import SubjectStore
from backend.consent.vocabulary import DATA_CATEGORIES, categories_of_hash, purpose_hex
from backend.core.addresses import checksummed
from backend.core.db_pipeline import Executor, Step
from backend.core.metrics import CONSENT_READS
from indexer.models import Consent as ChainConsent
from indexer.models import ConsentOffer

_consents = ChainConsent.__table__.c
_offers = ConsentOffer.__table__.c
_withdrawals = ConsentWithdrawal.__table__.c
_links = ConsentPairwise.__table__.c

# Built once: composing the statement per call cost more CPU than PostgreSQL spends running it.
_COVERAGE = (
    select(_consents.consent_id, _offers.data_categories_hash, _links.subject_ref)
    .join(ConsentOffer.__table__, (_offers.contract == _consents.contract) & (_offers.offer_id == _consents.offer_id))
    .outerjoin(
        ConsentPairwise.__table__, (_links.address == _consents.subject) & (_links.grantee == bindparam("grantee"))
    )
    .where(
        _consents.contract == bindparam("registry"),
        _consents.subject == bindparam("subject"),
        _consents.grantee == bindparam("grantee"),
        _consents.purpose == bindparam("purpose"),
        _consents.status == "active",
        _consents.expiry > bindparam("now"),
        ~exists().where(_withdrawals.consent_id == _consents.consent_id),
    )
    .order_by(_consents.consent_id)
)


@dataclass(frozen=True)
class Coverage:
    consent_ids: tuple[str, ...] = ()
    categories: frozenset[str] = frozenset()
    subject_ref: bytes | None = None  # the pairwise link to the consumer, sealed (None: not linked)


@dataclass(frozen=True)
class DataRead:
    subject: str
    purpose: str
    outcome: AccessOutcome
    consent_ids: tuple[str, ...] = ()
    data: dict = field(default_factory=dict)
    withheld: tuple[str, ...] = ()
    not_shared: tuple[str, ...] = ()


def coverage(execute: Executor, registry: str, subject: str, grantee: str, purpose: str, now: int) -> Coverage:
    """The consents that let `grantee` use `subject`'s data for `purpose` at unix time `now`.

    The pairwise link rides along in the same query: on a busy database every round trip
    of the data path costs more than the lookup itself.
    """
    parameters = {
        "registry": registry,
        "subject": subject,
        "grantee": grantee,
        "purpose": purpose_hex(purpose),
        "now": now,
    }
    consent_ids: list[str] = []
    categories: set[str] = set()
    subject_ref = None
    (rows,) = execute([Step(_COVERAGE, parameters)])
    for consent_id, categories_hash, subject_ref in rows:
        consent_ids.append(consent_id)
        categories.update(categories_of_hash(categories_hash) or ())
    return Coverage(tuple(consent_ids), frozenset(categories), subject_ref)


def read_subject_data(
    execute: Executor,
    store: SubjectStore,
    *,
    registry: str,
    participant_id,
    grantee: str,
    subject: str,
    purpose: str,
    requested: tuple[str, ...] | None,
    now: datetime,
) -> DataRead:
    """Steps 1-4 above; a Session executor's caller commits (the log row commits with the read)."""
    subject, grantee = checksummed(subject), checksummed(grantee)
    wanted = set(requested) if requested else set(DATA_CATEGORIES)
    covered = coverage(execute, registry, subject, grantee, purpose, int(now.timestamp()))
    owner = None if covered.subject_ref is None else store.owner_by_link(subject, covered.subject_ref, execute)
    if owner is None:
        read = DataRead(subject, purpose, AccessOutcome.REFUSED, withheld=tuple(sorted(wanted)))
    else:
        profile = owner.profile()
        allowed = wanted & covered.categories
        read = DataRead(
            subject,
            purpose,
            AccessOutcome.DISCLOSED,
            consent_ids=covered.consent_ids,
            data={name: profile[name] for name in sorted(allowed) if name in profile},
            withheld=tuple(sorted(wanted - covered.categories)),
            not_shared=tuple(sorted(name for name in allowed if name not in profile)),
        )
    record_access(
        execute,
        participant_id=participant_id,
        grantee=grantee,
        subject=subject,
        purpose=purpose,
        consent_ids=read.consent_ids,
        disclosed=read.data,
        withheld=read.withheld,
        outcome=read.outcome,
        at=now,
    )
    if read.outcome is AccessOutcome.REFUSED:
        CONSENT_READS.labels("refused", "no_active_consent").inc()
    else:
        CONSENT_READS.labels("allowed", "").inc()
    return read
