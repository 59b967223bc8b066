"""Data subjects: consumers sign in with their wallet, share data, export or erase it; advertisers read it.

Consumer routes are public as far as participant credentials go: a consumer proves its
wallet with a SIWE signature (a session for everyday calls, a fresh signed statement for
erasure). The one advertiser route, the data path, admits advertisers only and serves
only what an active consent covers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlmodel import Session

from backend.api.auth import Access, Grant, NowDep, public
from backend.api.deps import SessionDep, SettingsDep
from backend.api.hot_threads import hot_threads
from backend.api.routes.auth import siwe_expectation
from backend.consent import enforcement, erasure, export, sessions
from backend.api.consent_deps import EnqueueDep, SessionToken, SubjectIdDep, deployment_of, keys_of, open_subject, writer_of
from backend.consent.errors import (
    ConsentRequired,
    ErasureStatementRequired,
    NoChainAddress,
    OutsideVocabulary,
    SubjectUnknown,
)
from backend.consent.grants import DomainClaim
from backend.consent.models import AccessOutcome
from backend.consent.profile import Profile
from backend.consent.schemas import (
    Address,
    ErasedConsentOut,
    ErasureIn,
    ErasureOut,
    SubjectDataOut,
    SubjectSessionIn,
    SubjectSessionOut,
)
from backend.consent.subjects import SubjectStore
from backend.consent.vocabulary import VocabularyError, require_categories, require_purpose
from backend.core.config import Settings
from backend.core.db_pipeline import executor_for
from backend.identity.models import Participant
from backend.identity.roles import Role
from backend.identity.sign_in import check_proof
from backend.identity.siwe import SiweMessage

router = APIRouter(prefix="/subjects", tags=["subjects"])

advertisers = Access([Role.ADVERTISER])


def _signed_in(session: Session, settings: Settings, message: str, signature: str, now) -> SiweMessage:
    """The verified SIWE message (its nonce spent); 401/422 with the reason otherwise."""
    return check_proof(session, message, signature, siwe_expectation(settings), now)


@router.post("/session", status_code=201, dependencies=[public()])
def sign_in(body: SubjectSessionIn, session: SessionDep, settings: SettingsDep, now: NowDep) -> SubjectSessionOut:
    """Sign in with the wallet (EIP-4361, nonce from POST /v1/auth/nonce); the first sign-in enrols the consumer."""
    message = _signed_in(session, settings, body.message, body.signature, now)
    store = SubjectStore(session, keys_of(settings))
    subject = store.open(store.enrol(message.address, message.chain_id))
    token, expires_at = sessions.open_session(session, subject.id, now, message.expiration_time)
    did = subject.did
    session.commit()
    return SubjectSessionOut(token=token, expires_at=expires_at, did=did)


@router.delete("/session", status_code=204, dependencies=[public()])
def sign_out(token: SessionToken, session: SessionDep, now: NowDep) -> None:
    """Sign out: end the session this request's `X-Subject-Session` names, so the token no longer works.

    Only this session ends; the consumer's sessions on other devices stay open until they
    expire or the consumer erases its data. An unknown or expired token is 401 with the reason.
    """
    sessions.close_session(session, token, now)
    session.commit()


@router.put("/me/data", dependencies=[public()])
def share_data(body: Profile, subject_id: SubjectIdDep, session: SessionDep, settings: SettingsDep) -> dict:
    """Replace the data the consumer shares (only what active consents cover ever leaves, and only to their grantee)."""
    _store, subject = open_subject(session, settings, subject_id)
    subject.set_profile(body)
    session.add(subject.row)
    session.commit()
    return subject.profile()


@router.get("/me/export", dependencies=[public()])
def export_data(subject_id: SubjectIdDep, session: SessionDep, settings: SettingsDep, now: NowDep) -> dict:
    """Everything held about the consumer, off chain and on chain, as one JSON document."""
    _store, subject = open_subject(session, settings, subject_id)
    return export.export_subject(session, deployment_of(settings), subject, now, settings.public_base_url)


@router.delete("/me", dependencies=[public()])
def erase_data(
    body: ErasureIn, session: SessionDep, settings: SettingsDep, enqueue: EnqueueDep, now: NowDep
) -> ErasureOut:
    """Erase the consumer: needs a fresh SIWE message stating the erasure statement, plus any signed withdrawals.

    Completes off chain whatever withdrawals arrive; see backend.consent.erasure.
    """
    message = _signed_in(session, settings, body.message, body.signature, now)
    if message.statement != erasure.ERASURE_STATEMENT:
        raise ErasureStatementRequired(
            f"the message's statement must be: {erasure.ERASURE_STATEMENT}"
        )
    writer = writer_of(settings, enqueue)
    store = SubjectStore(session, keys_of(settings))
    row = store.by_wallet(message.address)
    if row is None:
        raise SubjectUnknown("nothing is held for this wallet")
    signed = [(item.message.to_message(), bytes.fromhex(item.signature[2:])) for item in body.withdrawals]
    outcomes, unlinked = erasure.erase(session, store, writer, store.open(row), signed, DomainClaim(), now)
    session.commit()
    pending = [outcome.consent_id for outcome in outcomes if outcome.on_chain in ("missing", "invalid")]
    return ErasureOut(
        erased=True,
        pairwise_unlinked=len(unlinked),
        consents=[ErasedConsentOut(**vars(outcome)) for outcome in outcomes],
        follow_up=(
            f"already refused for data; to end them on chain too, POST a signed Withdrawal to "
            f"/v1/consents/{{id}}/withdrawal for {pending}"
            if pending
            else None
        ),
    )


@router.get("/{subject}/data", response_model=SubjectDataOut)
async def read_data(
    subject: Address,
    grant: Annotated[Grant, Depends(advertisers)],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    purpose: str = Query(description="the DPV purpose the data is used for, e.g. dpv:PersonalisedAdvertising"),
    fields: str | None = Query(None, description="comma-separated data categories; default: all"),
) -> Response:
    """A subject's data for one purpose: only the fields an active, unexpired consent to the caller covers.

    `subject` is the pairwise address the consumer uses towards this advertiser. Every
    call is logged, refused ones included; no consent at all is 403 ``consent_required``.
    """
    try:
        require_purpose(purpose)
        requested = require_categories(fields.split(",")) if fields else None
    except VocabularyError as exc:
        raise OutsideVocabulary(str(exc)) from None
    participant = grant.participant
    if participant.chain_address is None:
        raise NoChainAddress("this participant has no chain address yet")
    # Async, its database work on the hot routes' threads: cheaper than a plain route's AnyIO hop.
    read = await hot_threads().run(_read, session, settings, participant, subject, purpose, requested, now)
    if read.outcome == AccessOutcome.REFUSED:
        raise ConsentRequired(
            f"no active consent of {subject} lets this advertiser use its data for {purpose}"
        )
    answer = SubjectDataOut(
        subject=read.subject,
        purpose=read.purpose,
        consent_ids=list(read.consent_ids),
        data=read.data,
        withheld=list(read.withheld),
        not_shared=list(read.not_shared),
    )
    # Serialised once, here: returned as a model, it would be validated and serialised again.
    return Response(answer.model_dump_json(), media_type="application/json")


def _read(
    session: Session,
    settings: Settings,
    participant: Participant,
    subject: str,
    purpose: str,
    requested: tuple[str, ...] | None,
    now: datetime,
) -> enforcement.DataRead:
    """The read and its log row, committed (on PostgreSQL each statement commits on its own)."""
    deployment, store = deployment_of(settings), SubjectStore(session, keys_of(settings))
    with executor_for(session) as execute:
        read = enforcement.read_subject_data(
            execute,
            store,
            registry=deployment.registry,
            participant_id=participant.id,
            grantee=participant.chain_address,
            subject=subject,
            purpose=purpose,
            requested=requested,
            now=now,
        )
    session.commit()
    return read
