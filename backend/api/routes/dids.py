"""DID resolution: did:pkh (consumers) and did:ethr on this deployment's DIDRegistry (organisations)."""

from __future__ import annotations

from fastapi import APIRouter

from backend.api.auth import NowDep, public
from backend.api.deps import SessionDep, SettingsDep
from backend.api.consent_deps import deployment_of
from backend.dids import EthrDid, parse_did, resolve

router = APIRouter(prefix="/dids", tags=["dids"])


@router.get("/{did}", dependencies=[public()])
def resolve_did(did: str, session: SessionDep, settings: SettingsDep, now: NowDep) -> dict:
    """A W3C DID resolution result: the DID document and its metadata; 4xx with the reason otherwise."""
    parsed = parse_did(did)
    if not isinstance(parsed, EthrDid):
        return resolve(session, parsed, chain_id=None, did_registry=None, now=now)
    deployment = deployment_of(settings)
    return resolve(session, parsed, chain_id=deployment.chain_id, did_registry=deployment.did_registry, now=now)
