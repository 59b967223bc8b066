"""DID resolution (W3C DID Resolution result: document, resolution metadata, document metadata).

did:pkh documents follow from the DID itself; did:ethr documents are replayed from the
indexer's mirror of this deployment's DIDRegistry (``backend.dids.ethr``). A did:ethr on
another chain is not known here (404), never guessed.
"""

from __future__ import annotations

import warnings
from datetime import datetime

from pydid import DIDDocumentBuilder
from pydid.verification_method import EcdsaSecp256k1RecoveryMethod2020
from sqlmodel import Session

from backend.dids.ethr import BrokenChangeChain, change_chain, ethr_document
from backend.dids.identifiers import DidMirrorIncomplete, DidNotFound, EthrDid, PkhDid

RESOLUTION_CONTEXT = "https://w3id.org/did-resolution/v1"
PKH_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/secp256k1recovery-2020/v2"]


def pkh_document(did: PkhDid) -> dict:
    builder = DIDDocumentBuilder(did.did, context=list(PKH_CONTEXT))
    account = builder.verification_method.add(
        EcdsaSecp256k1RecoveryMethod2020,
        ident="blockchainAccountId",
        blockchain_account_id=f"eip155:{did.chain_id}:{did.address}",
    )
    builder.authentication.reference(account.id)
    builder.assertion_method.reference(account.id)
    return builder.build().serialize()


def resolve(
    session: Session, did: PkhDid | EthrDid, *, chain_id: int | None, did_registry: str | None, now: datetime
) -> dict:
    """The resolution result of a parsed DID (``parse_did``); DidError (4xx) when not known here.

    `chain_id` and `did_registry` say where this deployment's did:ethr identities live;
    did:pkh needs neither.
    """
    with warnings.catch_warnings():
        # pydid's validators trip a pydantic deprecation warning on every verification method.
        warnings.simplefilter("ignore", UserWarning)
        return _resolve(session, did, chain_id=chain_id, did_registry=did_registry, now=now)


def _resolve(
    session: Session, did: PkhDid | EthrDid, *, chain_id: int | None, did_registry: str | None, now: datetime
) -> dict:
    metadata: dict = {}
    if isinstance(did, PkhDid):
        document = pkh_document(did)
    else:
        if did.chain_id != chain_id:
            raise DidNotFound(
                "did_unknown_network",
                f"{did.did} is on chain {did.chain_id}; this registry is on chain {chain_id}",
            )
        if did_registry is None:
            raise DidNotFound("did_registry_not_deployed", "no DIDRegistry in this deployment")
        try:
            changes = change_chain(session, did_registry, did.identity)
        except BrokenChangeChain as exc:
            raise DidMirrorIncomplete("did_mirror_incomplete", str(exc)) from None
        resolved = ethr_document(did, changes, int(now.timestamp()))
        document = resolved.document.serialize()
        if resolved.version_block is not None:
            metadata = {"versionId": str(resolved.version_block), "updated": resolved.updated}
        if resolved.deactivated:
            metadata["deactivated"] = True
    return {
        "@context": RESOLUTION_CONTEXT,
        "didDocument": document,
        "didResolutionMetadata": {"contentType": "application/did+ld+json"},
        "didDocumentMetadata": metadata,
    }
