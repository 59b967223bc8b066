"""Ad creatives: an advertiser registers a creative's content hash and CID on AssetRegistry, a
timestamped proof that it had the creative first; anyone reads that proof back."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated

from fastapi import APIRouter, Depends

from backend.api.auth import Access, Grant, public
from backend.api.deps import SessionDep, SettingsDep
from backend.api.errors import ApiError
from backend.content import ContentNotFound, ContentStoreError, InvalidCid, content_store_from_url
from backend.core.config import Settings
from backend.identity.chain import ChainNotConfigured
from backend.identity.models import CustodyMode
from backend.identity.ports import Enqueue, outbox_enqueue
from backend.identity.roles import Role
from backend.provenance.assets import (
    AssetRecord,
    CidHashMismatch,
    asset_record,
    asset_registry_address,
    content_hash,
    hash_of_cid,
    queue_registration,
)
from backend.provenance.schemas import CreativeCreate, CreativePublic

router = APIRouter(prefix="/creatives", tags=["creatives"])

AdvertiserGrant = Annotated[Grant, Depends(Access([Role.ADVERTISER]))]
EnqueueDep = Annotated[Enqueue, Depends(outbox_enqueue)]
_HASH = re.compile(r"^(0x)?([0-9a-fA-F]{64})$")


def _registry(settings: Settings) -> str:
    try:
        return asset_registry_address(settings)
    except ChainNotConfigured as exc:
        raise ApiError(503, "chain_not_configured", str(exc)) from None


def _public(record: AssetRecord) -> CreativePublic:
    return CreativePublic(**record.__dict__)


def _stored(body: CreativeCreate, settings: Settings) -> tuple[bytes, str]:
    """(content hash, CID) of the creative, with its bytes in the content store."""
    store = content_store_from_url(settings.content_store_url)
    if (body.content_base64 is None) == (body.cid is None):
        raise ApiError(422, "invalid_creative", "send either content_base64 or cid with content_hash")
    try:
        if body.content_base64 is not None:
            data = base64.b64decode(body.content_base64, validate=True)
            if not data:
                raise ApiError(422, "invalid_creative", "the creative is empty")
            return content_hash(data), store.put(data)
        if body.content_hash is None:
            raise ApiError(422, "invalid_creative", "a cid needs its content_hash")
        digest = hash_of_cid(body.cid, bytes.fromhex(body.content_hash.removeprefix("0x")))
        store.pin(body.cid)
        return digest, body.cid
    except binascii.Error:
        raise ApiError(422, "invalid_creative", "content_base64 is not base64") from None
    except (InvalidCid, CidHashMismatch) as exc:
        raise ApiError(422, "invalid_creative", str(exc)) from None
    except ContentNotFound:
        raise ApiError(422, "content_not_found", f"{body.cid} is not in the content store; upload the bytes") from None
    except ContentStoreError as exc:
        raise ApiError(422, "content_not_stored", str(exc)) from None


@router.post("", status_code=202)
def register_creative(
    body: CreativeCreate, grant: AdvertiserGrant, session: SessionDep, settings: SettingsDep, enqueue: EnqueueDep
) -> CreativePublic:
    """Store the creative and queue AssetRegistry.registerAsset from the advertiser's own custodial key."""
    participant = grant.participant
    if participant.custody_mode != CustodyMode.CUSTODIAL or participant.chain_address is None:
        raise ApiError(
            409, "custody_required",
            "the owner on chain is the sender: call AssetRegistry.registerAsset from your own wallet",
        )
    digest, cid = _stored(body, settings)
    registry = _registry(settings)
    existing = asset_record(session, registry, digest)
    if existing is not None and existing.status != "failed":
        if existing.owner != participant.chain_address:
            raise ApiError(409, "creative_registered", f"this creative was registered by {existing.owner} first",
                           _public(existing).model_dump(mode="json"))
        return _public(existing)
    queue_registration(session, enqueue, registry=registry, owner=participant.chain_address, digest=digest, cid=cid)
    session.commit()
    return CreativePublic(content_hash="0x" + digest.hex(), cid=cid, owner=participant.chain_address, status="submitted")


@router.get("/{creative_hash}", dependencies=[public()])
def read_creative(creative_hash: str, session: SessionDep, settings: SettingsDep) -> CreativePublic:
    """Who registered the creative with this sha-256 and when (block, transaction), once on chain."""
    match = _HASH.match(creative_hash)
    if match is None:
        raise ApiError(422, "invalid_content_hash", "give the 64 hex digits of the creative's sha-256")
    record = asset_record(session, _registry(settings), bytes.fromhex(match.group(2)))
    if record is None:
        raise ApiError(404, "not_found", f"no creative 0x{match.group(2).lower()}")
    return _public(record)
