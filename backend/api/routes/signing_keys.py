"""A publisher's keys for signing event batches: register, list, revoke (its own only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from backend.ads.api_schemas import SigningKeyCreate, SigningKeyPublic
from backend.ads.models import AdPublisherKey
from backend.ads.publisher_keys import KeyRefused, key_text, list_keys, register_key, revoke_key, wallet_key
from backend.ads.signatures import KeyType
from backend.api.auth import Access, Grant, NowDep
from backend.api.deps import SessionDep
from backend.api.errors import ApiError
from backend.identity.roles import Role

router = APIRouter(prefix="/publishers/me/signing-keys", tags=["events"])

PublisherGrant = Annotated[Grant, Depends(Access([Role.PUBLISHER]))]


def _public(key: AdPublisherKey) -> SigningKeyPublic:
    return SigningKeyPublic(
        id=key.id,
        algorithm=KeyType(key.algorithm),
        key=key_text(key.algorithm, key.public_key),
        label=key.label,
        wallet=False,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
    )


@router.post("", status_code=201)
def register(body: SigningKeyCreate, grant: PublisherGrant, session: SessionDep) -> SigningKeyPublic:
    """Register a key that may sign this publisher's event batches from now on."""
    try:
        key = register_key(session, grant.participant, body.algorithm, body.key, body.label)
    except KeyRefused as exc:
        raise ApiError(exc.status, exc.code, str(exc)) from None
    session.commit()
    return _public(key)


@router.get("")
def list_signing_keys(grant: PublisherGrant, session: SessionDep) -> list[SigningKeyPublic]:
    """The wallet key first (non-custodial publishers), then registered keys, revoked ones included."""
    keys = [_public(key) for key in list_keys(session, grant.participant)]
    wallet = wallet_key(grant.participant)
    if wallet is not None:
        keys.insert(
            0,
            SigningKeyPublic(
                id=None,
                algorithm=wallet.key_type,
                key=grant.participant.chain_address,
                label="wallet",
                wallet=True,
                created_at=None,
                revoked_at=None,
            ),
        )
    return keys


@router.delete("/{key_id}")
def revoke(key_id: uuid.UUID, grant: PublisherGrant, session: SessionDep, now: NowDep) -> SigningKeyPublic:
    """Revoke a key: batches it signs are refused from the next request on. Revoking again changes nothing."""
    try:
        key = revoke_key(session, grant.participant, key_id, now)
    except KeyRefused as exc:
        raise ApiError(exc.status, exc.code, str(exc)) from None
    session.commit()
    return _public(key)
