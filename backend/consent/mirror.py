"""ConsentRegistry state as the indexer mirrored it: what the chain says, not what the API sent.

The mirror lives in the same database (its tables start with ``chain_``) and is written
only by the indexer; a block that leaves the canonical chain takes its rows with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from eth_utils import event_abi_to_log_topic, to_checksum_address
from sqlmodel import Session, col, select

from contracts import load_artifact
from indexer.models import Consent as ChainConsent
from indexer.models import ConsentOffer, ConsentReward, RawLog

REGISTRY_ARTIFACT = "ConsentRegistry"


@lru_cache(maxsize=8)
def event_topic(name: str) -> str:
    (abi,) = [item for item in load_artifact(REGISTRY_ARTIFACT).abi if item["type"] == "event" and item["name"] == name]
    return "0x" + event_abi_to_log_topic(abi).hex()


@dataclass(frozen=True)
class TxRef:
    tx_hash: str
    block_number: int
    block_timestamp: int


def offer(session: Session, registry: str, offer_id: int) -> ConsentOffer | None:
    return session.get(ConsentOffer, (registry, offer_id))


def offers(
    session: Session, registry: str, *, advertiser: str | None, open_only: bool, limit: int
) -> list[ConsentOffer]:
    statement = select(ConsentOffer).where(ConsentOffer.contract == registry)
    if advertiser is not None:
        statement = statement.where(ConsentOffer.advertiser == to_checksum_address(advertiser))
    if open_only:
        statement = statement.where(col(ConsentOffer.closed).is_(False))
    return list(session.exec(statement.order_by(col(ConsentOffer.offer_id).desc()).limit(limit)))


def consent(session: Session, registry: str, consent_id: str) -> ChainConsent | None:
    return session.get(ChainConsent, (registry, consent_id.lower()))


def consents_of(session: Session, registry: str, subjects: list[str]) -> list[ChainConsent]:
    if not subjects:
        return []
    statement = select(ChainConsent).where(ChainConsent.contract == registry, col(ChainConsent.subject).in_(subjects))
    return list(session.exec(statement.order_by(ChainConsent.granted_block)))


def paid_in_period(session: Session, registry: str, subject: str, offer_id: int, period: int) -> bool:
    """True when a grant of `subject` was already paid in this period of the offer (a new one pays 0)."""
    statement = select(ChainConsent.consent_id).where(
        ChainConsent.contract == registry,
        ChainConsent.subject == subject,
        ChainConsent.offer_id == offer_id,
        ChainConsent.period == period,
    )
    return session.exec(statement.limit(1)).first() is not None


def current_period(offer_row: ConsentOffer, now: int) -> int:
    """The contract's `_periodOf`: periods aligned to unix time, the first is 1."""
    return 1 if offer_row.period_length == 0 else now // offer_row.period_length + 1


def rewards_of(session: Session, registry: str, subjects: list[str]) -> list[ConsentReward]:
    if not subjects:
        return []
    statement = select(ConsentReward).where(
        ConsentReward.contract == registry, col(ConsentReward.subject).in_(subjects)
    )
    return list(session.exec(statement))


def event_tx(session: Session, registry: str, event: str, consent_id: str) -> TxRef | None:
    """The transaction whose `event` log names `consent_id` as its first indexed argument."""
    statement = select(RawLog.tx_hash, RawLog.block_number, RawLog.block_timestamp).where(
        RawLog.address == registry, RawLog.topic0 == event_topic(event), RawLog.topic1 == consent_id.lower()
    )
    row = session.exec(statement.limit(1)).first()
    return None if row is None else TxRef(*row)


def publication_offer_id(session: Session, registry: str, tx_hash: str) -> int | None:
    """The offer id an OfferPublished log of transaction `tx_hash` carries."""
    statement = select(RawLog.topic1).where(
        RawLog.tx_hash == tx_hash.lower(), RawLog.address == registry, RawLog.topic0 == event_topic("OfferPublished")
    )
    topic = session.exec(statement.limit(1)).first()
    return None if topic is None else int(topic, 16)
