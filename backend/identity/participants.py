"""Participant lifecycle: apply, approve, suspend, unsuspend, renew KYC.

Each transition checks the starting status, writes the row and queues the matching
ParticipantRegistry calls in the same session; the caller commits once, so the
database and the outbox never disagree. Status in the database takes effect at once
(the API reads it on every request); the chain follows when the outbox is mined.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend.identity.errors import (
    AddressTaken,
    CannotSuspendSelf,
    IdentityConflict,
    KycExpiryInPast,
    ParticipantWithoutAddress,
    SuspensionNeedsAdmin,
)
from backend.identity.api_keys import IssuedKey, issue_key
from backend.identity.chain import RegistryWriter
from backend.identity.models import CustodyMode, Participant, ParticipantStatus, utcnow
from backend.identity.ports import CreateCustodialKey
from backend.identity.roles import PLATFORM_ROLES, Role, has_role, mask_to_roles, roles_to_mask


def reference(participant: Participant) -> str:
    """The outbox reference of a participant's registry transactions."""
    return f"participant:{participant.id}"


def apply(
    session: Session,
    *,
    display_name: str,
    requested_roles: Iterable[Role],
    custody_mode: CustodyMode,
    address: str | None,
    create_custodial_key: CreateCustodialKey,
) -> tuple[Participant, list[IssuedKey]]:
    """A pending participant and one API key per requested role (usable once the role is granted).

    `address` is the SIWE-proven wallet of a non-custodial applicant; a custodial
    applicant gets a key generated and stored encrypted by the custody service.
    """
    requested = list(dict.fromkeys(requested_roles))
    if custody_mode is CustodyMode.NON_CUSTODIAL and address is not None:
        _ensure_address_free(session, address)
    participant = Participant(
        display_name=display_name,
        requested_roles=roles_to_mask(requested),
        custody_mode=custody_mode,
        chain_address=address,
    )
    session.add(participant)
    try:
        session.flush()
    except IntegrityError:
        # Two applications for one wallet raced past the check above; the unique index decided.
        raise AddressTaken(f"{address} already belongs to a participant") from None
    if custody_mode is CustodyMode.CUSTODIAL:
        participant.chain_address = create_custodial_key(session, reference(participant))
        session.flush()
    keys = [issue_key(session, participant, role, label="onboarding") for role in requested]
    return participant, keys


def approve(
    session: Session,
    participant: Participant,
    *,
    roles: Iterable[Role],
    kyc_expires_at: datetime,
    writer: RegistryWriter,
    now: datetime | None = None,
) -> Participant:
    """Grant `roles` and record KYC until `kyc_expires_at`; queue setRoles, setKyc and platform grants."""
    now = now or utcnow()
    _require_status(participant, ParticipantStatus.PENDING, "participant_not_pending")
    if kyc_expires_at <= now:
        raise KycExpiryInPast("kyc_expires_at must lie in the future")
    granted = list(dict.fromkeys(roles))
    account = _account(participant)
    participant.roles = roles_to_mask(granted)
    participant.kyc_expires_at = kyc_expires_at
    participant.status = ParticipantStatus.APPROVED
    participant.approved_at = now
    session.add(participant)
    writer.set_roles(session, account, participant.roles, reference(participant))
    writer.set_kyc(session, account, int(kyc_expires_at.timestamp()), reference(participant))
    for role in granted:
        if role in PLATFORM_ROLES:
            writer.grant_platform_role(session, account, role, reference(participant))
    session.flush()
    return participant


def suspend(
    session: Session, participant: Participant, *, by: Participant, by_role: Role, writer: RegistryWriter
) -> Participant:
    """Refuse `participant` from now on (the API checks status on every request); queue suspend."""
    _require_status(participant, ParticipantStatus.APPROVED, "participant_not_approved")
    if participant.id == by.id:
        raise CannotSuspendSelf("a participant cannot suspend itself")
    if by_role is not Role.ADMIN and any(role in PLATFORM_ROLES for role in mask_to_roles(participant.roles)):
        raise SuspensionNeedsAdmin("only an admin may suspend an admin or a KYC officer")
    participant.status = ParticipantStatus.SUSPENDED
    participant.suspended_at = utcnow()
    session.add(participant)
    writer.suspend(session, _account(participant), reference(participant))
    session.flush()
    return participant


def unsuspend(session: Session, participant: Participant, *, writer: RegistryWriter) -> Participant:
    _require_status(participant, ParticipantStatus.SUSPENDED, "participant_not_suspended")
    participant.status = ParticipantStatus.APPROVED
    participant.suspended_at = None
    session.add(participant)
    writer.unsuspend(session, _account(participant), reference(participant))
    session.flush()
    return participant


def renew_kyc(
    session: Session,
    participant: Participant,
    *,
    kyc_expires_at: datetime,
    writer: RegistryWriter,
    now: datetime | None = None,
) -> Participant:
    _require_status(participant, ParticipantStatus.APPROVED, "participant_not_approved")
    if kyc_expires_at <= (now or utcnow()):
        raise KycExpiryInPast("kyc_expires_at must lie in the future")
    participant.kyc_expires_at = kyc_expires_at
    session.add(participant)
    writer.set_kyc(session, _account(participant), int(kyc_expires_at.timestamp()), reference(participant))
    session.flush()
    return participant


class AdminExists(RuntimeError):
    """Bootstrap refused: an admin exists already; further admins are approved through the API."""


def bootstrap_admin(session: Session, *, display_name: str, address: str | None) -> tuple[Participant, IssuedKey]:
    """The first admin (admin + KYC officer) and its admin API key.

    `address` is the deployer's: it holds DEFAULT_ADMIN_ROLE and KYC_OFFICER_ROLE on the
    registry since deployment, so nothing is queued on chain.
    """
    admin_bit = 1 << Role.ADMIN.bit
    if session.exec(select(Participant).where(Participant.roles.op("&")(admin_bit) != 0)).first() is not None:
        raise AdminExists("an admin exists already; approve further admins through the API")
    roles = roles_to_mask([Role.ADMIN, Role.KYC_OFFICER])
    participant = Participant(
        display_name=display_name,
        roles=roles,
        requested_roles=roles,
        chain_address=address,
        custody_mode=CustodyMode.CUSTODIAL,
        status=ParticipantStatus.APPROVED,
        approved_at=utcnow(),
    )
    session.add(participant)
    session.flush()
    return participant, issue_key(session, participant, Role.ADMIN, label="bootstrap")


def may_act_as(participant: Participant, role: Role) -> bool:
    """Granted roles for approved participants; requested ones while the application is pending."""
    if participant.status == ParticipantStatus.PENDING:
        return has_role(participant.requested_roles, role)
    return has_role(participant.roles, role)


def by_address(session: Session, address: str) -> Participant | None:
    return session.exec(select(Participant).where(Participant.chain_address == address)).first()


def _ensure_address_free(session: Session, address: str) -> None:
    if by_address(session, address) is not None:
        raise AddressTaken(f"{address} already belongs to a participant")


def _require_status(participant: Participant, status: ParticipantStatus, code: str) -> None:
    if participant.status != status:
        raise IdentityConflict(code, f"participant is {participant.status}, expected {status.value}")


def _account(participant: Participant) -> str:
    if participant.chain_address is None:
        raise ParticipantWithoutAddress("participant has no chain address")
    return participant.chain_address
