"""Owned resources for the authorization matrix: for every model an Access policy names as
`owner`, a function that creates one row owned by a given participant and returns the
path value that names it. A route with a new owned model fails the matrix until its
factory is added here."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from backend.campaigns.models import Campaign
from backend.identity.api_keys import issue_key
from backend.identity.models import ApiKey, Participant
from backend.identity.roles import mask_to_roles
from tests.campaigns.factories import pending_campaign


def _participant(session: Session, owner: Participant) -> str:
    return str(owner.id)


def _api_key(session: Session, owner: Participant) -> str:
    return str(issue_key(session, owner, mask_to_roles(owner.roles or owner.requested_roles)[0]).record.id)


TENANT_RESOURCES: dict[type, Callable[[Session, Participant], str]] = {
    Participant: _participant,
    ApiKey: _api_key,
    Campaign: pending_campaign,
}
