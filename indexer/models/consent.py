"""ConsentRegistry's state: offers, consents, and the rewards consents accrued.

A consent's subject is a pairwise pseudonymous address; nothing here links it to a
person (that link lives only in the backend's encrypted store).
"""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field

from indexer.models.base import MirrorTable, StateRow, address_field, big_int_field, hash_field, uint256_field


class ConsentOffer(MirrorTable, StateRow, table=True):
    """A funded request for consent; ``grants_paid`` counts grants that accrued compensation."""

    __tablename__ = "chain_consent_offers"

    contract: str = address_field(primary_key=True)
    offer_id: int = big_int_field(primary_key=True)
    advertiser: str = address_field(index=True)
    token: str = address_field()
    purpose: str = hash_field()
    data_categories_hash: str = hash_field()
    compensation: int = uint256_field()
    cap: int = big_int_field()
    period_length: int = big_int_field()
    published_block: int = big_int_field()
    grants: int = 0
    grants_paid: int = 0
    closed: bool = False
    refund: int | None = uint256_field(default=None)


class Consent(MirrorTable, StateRow, table=True):
    """One granted consent. status: active | withdrawn; expiry is read against the clock, not stored as status."""

    __tablename__ = "chain_consents"
    __table_args__ = (
        Index("ix_chain_consents_subject", "subject"),
        Index("ix_chain_consents_grantee_purpose", "grantee", "purpose"),
    )

    contract: str = address_field(primary_key=True)
    consent_id: str = hash_field(primary_key=True)
    subject: str = address_field()
    offer_id: int = big_int_field()
    grantee: str = address_field()
    purpose: str = hash_field()
    expiry: int = big_int_field()
    period: int = uint256_field(description="offer period paid for; 0 when nothing accrued")
    compensation_paid: int = uint256_field()
    status: str = Field(default="active", max_length=16)
    granted_block: int = big_int_field()
    granted_at: int = big_int_field()
    withdrawn_block: int | None = big_int_field(default=None)
    withdrawn_at: int | None = big_int_field(default=None)


class ConsentReward(MirrorTable, StateRow, table=True):
    """Compensation accrued to a subject in one token, and what was swept out of it."""

    __tablename__ = "chain_consent_rewards"

    contract: str = address_field(primary_key=True)
    subject: str = address_field(primary_key=True)
    token: str = address_field(primary_key=True)
    accrued: int = uint256_field(default=0)
    swept: int = uint256_field(default=0)
    sweep_nonce: int = uint256_field(default=0, description="the next sweep's nonce")


__all__ = ["Consent", "ConsentOffer", "ConsentReward"]
