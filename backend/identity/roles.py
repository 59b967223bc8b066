"""Roles a participant may hold, and their bitmask.

Bits 0-5 mirror ``IParticipantRegistry.Role`` and are written on chain with
``setRoles``. Admin and KYC officer are platform roles: off chain they are bits of
the same mask (8 and 9, clear of any future business role), on chain they are
AccessControl roles granted with ``grantRole``.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    ADVERTISER = "advertiser"
    PUBLISHER = "publisher"
    ATTESTER = "attester"
    BRAND = "brand"
    SUPPLY_CHAIN_ACTOR = "supply_chain_actor"
    AUDITOR = "auditor"
    ADMIN = "admin"
    KYC_OFFICER = "kyc_officer"

    @property
    def bit(self) -> int:
        return _BITS[self]

    @property
    def on_chain(self) -> bool:
        """True for the business roles of IParticipantRegistry.Role."""
        return self not in PLATFORM_ROLES


_BITS = {
    Role.ADVERTISER: 0,
    Role.PUBLISHER: 1,
    Role.ATTESTER: 2,
    Role.BRAND: 3,
    Role.SUPPLY_CHAIN_ACTOR: 4,
    Role.AUDITOR: 5,
    Role.ADMIN: 8,
    Role.KYC_OFFICER: 9,
}

PLATFORM_ROLES = frozenset({Role.ADMIN, Role.KYC_OFFICER})
BUSINESS_ROLES = frozenset(set(Role) - PLATFORM_ROLES)
ALL_ROLES = frozenset(Role)
# The low bits that IParticipantRegistry.setRoles accepts.
CHAIN_ROLES_MASK = sum(1 << role.bit for role in BUSINESS_ROLES)


def roles_to_mask(roles: Iterable[Role]) -> int:
    mask = 0
    for role in roles:
        mask |= 1 << role.bit
    return mask


def mask_to_roles(mask: int) -> list[Role]:
    """The roles set in `mask`, in declaration order."""
    return [role for role in Role if mask & (1 << role.bit)]


def has_role(mask: int, role: Role) -> bool:
    return bool(mask & (1 << role.bit))
