"""DIDRegistry (ERC-1056, did:ethr): every change, and each identity's current owner, delegates, attributes."""

from __future__ import annotations

from sqlmodel import Field

from indexer.models.base import EventRow, MirrorTable, StateRow, address_field, big_int_field, hash_field, uint256_field


class DidChange(MirrorTable, EventRow, table=True):
    """One DIDOwnerChanged / DIDDelegateChanged / DIDAttributeChanged (``kind`` owner | delegate | attribute).

    ``previous_change`` is the block of the identity's change before this one: the
    chain of events a did:ethr resolver walks.
    """

    __tablename__ = "chain_did_changes"

    identity: str = address_field(index=True)
    kind: str = Field(max_length=16)
    owner: str | None = address_field(default=None)
    delegate_type: str | None = hash_field(default=None)
    delegate: str | None = address_field(default=None)
    name: str | None = hash_field(default=None)
    value: str | None = Field(default=None, description="attribute value, 0x-hex")
    valid_to: int | None = uint256_field(default=None)
    previous_change: int = big_int_field()


class DidIdentity(MirrorTable, StateRow, table=True):
    """An identity that changed at least once; ``owner`` null means it still owns itself."""

    __tablename__ = "chain_did_identities"

    contract: str = address_field(primary_key=True)
    identity: str = address_field(primary_key=True)
    owner: str | None = address_field(default=None)
    changes: int = 0


class DidDelegate(MirrorTable, StateRow, table=True):
    """A delegate of an identity for a delegate type, valid until ``valid_to`` (unix seconds)."""

    __tablename__ = "chain_did_delegates"

    contract: str = address_field(primary_key=True)
    identity: str = address_field(primary_key=True)
    delegate_type: str = hash_field(primary_key=True)
    delegate: str = address_field(primary_key=True)
    valid_to: int = uint256_field()


class DidAttribute(MirrorTable, StateRow, table=True):
    """An attribute (name, value) of an identity, valid until ``valid_to``; 0 after a revocation."""

    __tablename__ = "chain_did_attributes"

    contract: str = address_field(primary_key=True)
    identity: str = address_field(primary_key=True)
    name: str = hash_field(primary_key=True)
    value_hash: str = hash_field(primary_key=True, description="keccak256 of the value bytes")
    value: str = Field(description="0x-hex")
    valid_to: int = uint256_field()


__all__ = ["DidAttribute", "DidChange", "DidDelegate", "DidIdentity"]
