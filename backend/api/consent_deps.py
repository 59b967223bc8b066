"""What the consent routes need from settings, built inside an endpoint once its input is valid.

They are plain functions rather than FastAPI dependencies on purpose: a dependency that
fails (no manifest, no master key) would answer before the request's own validation,
turning a malformed request into a 5xx.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header
from sqlmodel import Session

from backend.api.auth import NowDep
from backend.api.deps import SessionDep
from backend.consent import sessions
from backend.consent.chain import ConsentDeployment, ConsentWriter, relayer_address
from backend.consent.errors import ConsentRegistryNotDeployed, CustodyNotConfigured
from backend.consent.subjects import OpenSubject, SubjectStore
from backend.consent.vault import ConsentKeys, consent_keys
from backend.core.config import Settings
from backend.identity.chain import ChainNotConfigured
from backend.identity.ports import Enqueue, outbox_enqueue
from backend.keys import MasterKey, MasterKeyUnavailable

EnqueueDep = Annotated[Enqueue, Depends(outbox_enqueue)]


def deployment_of(settings: Settings) -> ConsentDeployment:
    try:
        return ConsentDeployment.from_settings(settings)
    except ChainNotConfigured as exc:
        raise ConsentRegistryNotDeployed(f"no ConsentRegistry is deployed: {exc}") from None


def keys_of(settings: Settings) -> ConsentKeys:
    try:
        return consent_keys(MasterKey.from_settings(settings))
    except MasterKeyUnavailable as exc:
        raise CustodyNotConfigured(str(exc)) from None


def writer_of(settings: Settings, enqueue: Enqueue) -> ConsentWriter:
    return ConsentWriter(deployment_of(settings), enqueue, relayer_address(settings))


SessionToken = Annotated[
    str, Header(alias=sessions.HEADER, description="a consumer session from POST /v1/subjects/session")
]


def session_subject(session: SessionDep, token: SessionToken, now: NowDep) -> uuid.UUID:
    """The consumer signed in with this request's session token (its id only; opened in the endpoint)."""
    return sessions.subject_of(session, token, now)


SubjectIdDep = Annotated[uuid.UUID, Depends(session_subject)]


def open_subject(session: Session, settings: Settings, subject_id: uuid.UUID) -> tuple[SubjectStore, OpenSubject]:
    store = SubjectStore(session, keys_of(settings))
    return store, store.get(subject_id)
