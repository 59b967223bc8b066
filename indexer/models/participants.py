"""ParticipantRegistry's state: roles, KYC expiry and suspension per account."""

from __future__ import annotations

from indexer.models.base import MirrorTable, StateRow, address_field, big_int_field


class Participant(MirrorTable, StateRow, table=True):
    """One account in one registry (``contract``), as its latest events left it."""

    __tablename__ = "chain_participants"

    contract: str = address_field(primary_key=True)
    account: str = address_field(primary_key=True)
    roles: int = 0
    kyc_expiry: int = big_int_field(default=0)
    suspended: bool = False
    suspended_by: str | None = address_field(default=None)


__all__ = ["Participant"]
