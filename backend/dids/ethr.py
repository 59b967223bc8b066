"""did:ethr documents from the indexer's mirror of the ERC-1056 DIDRegistry's events.

The resolver does what the did:ethr method specification says a resolver does against
the chain, with the mirror in place of ``eth_getLogs``:

1. the head is the identity's latest change (``changed(identity)`` on chain);
2. read the changes of that block, then of the block their ``previousChange`` names,
   until it is 0. Several changes in one block carry that same block as
   ``previousChange`` after the first; the walk goes on from the smallest one;
3. replay them oldest first: an owner change sets the controller (the zero address
   deactivates the DID); a delegate (``veriKey``, ``sigAuth``) or a public-key attribute
   (``did/pub/<algorithm>/<purpose>/<encoding>``) adds a verification method while its
   ``validTo`` lies ahead, a later event for the same delegate or value replaces it (a
   revocation removes it); ``did/svc/<type>`` attributes add services the same way.

Ids count every delegate and key event (``#delegate-<n>``) and every service event
(``#service-<n>``) in order, revoked ones included, so an id never changes meaning.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from multiformats import multibase
from pydid import DIDDocument, DIDDocumentBuilder
from pydid.verification_method import (
    EcdsaSecp256k1RecoveryMethod2020,
    EcdsaSecp256k1VerificationKey2019,
    Ed25519VerificationKey2018,
    X25519KeyAgreementKey2019,
)
from sqlalchemy import func
from sqlmodel import Session, select

from backend.dids.identifiers import EthrDid
from indexer.models import DidChange

CONTEXT = [
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/suites/secp256k1recovery-2020/v2",
    "https://w3id.org/security/v3-unstable",
]
ZERO_ADDRESS = "0x" + "00" * 20
_ATTRIBUTE = re.compile(r"^did/(pub|svc)/(\w+)(?:/(\w+))?(?:/(\w+))?$")
_KEY_TYPES = {
    "Secp256k1": EcdsaSecp256k1VerificationKey2019,
    "Ed25519": Ed25519VerificationKey2018,
    "X25519": X25519KeyAgreementKey2019,
}


class BrokenChangeChain(RuntimeError):
    """The mirror lacks a change the chain of previousChange pointers names (mirror behind or corrupt)."""


@dataclass(frozen=True)
class EthrResolution:
    document: DIDDocument
    deactivated: bool
    version_block: int | None
    updated: str | None


def change_chain(session: Session, registry: str, identity: str) -> list[DidChange]:
    """The identity's changes, oldest first, found by walking previousChange back from the head."""
    head = session.exec(
        select(func.max(DidChange.block_number)).where(DidChange.contract == registry, DidChange.identity == identity)
    ).one()
    changes: list[DidChange] = []
    block = head or 0
    while block:
        found = list(
            session.exec(
                select(DidChange)
                .where(DidChange.contract == registry, DidChange.identity == identity, DidChange.block_number == block)
                .order_by(DidChange.log_index.desc())
            )
        )
        if not found:
            raise BrokenChangeChain(f"no change of {identity} in block {block}, which the chain of changes names")
        changes.extend(found)
        previous = min(change.previous_change for change in found)
        if previous >= block:
            raise BrokenChangeChain(f"change of {identity} in block {block} points forward to {previous}")
        block = previous
    changes.reverse()
    return changes


def _text(bytes32_hex: str) -> str:
    return bytes.fromhex(bytes32_hex[2:]).rstrip(b"\0").decode("utf-8", errors="replace")


@dataclass
class _State:
    owner: str
    delegates: dict[tuple, tuple[int, str, dict]] = field(default_factory=dict)  # key -> (n, purpose, method)
    services: dict[tuple, tuple[int, str, object]] = field(default_factory=dict)
    delegate_count: int = 0
    service_count: int = 0


def _apply(state: _State, change: DidChange, chain_id: int, now: int) -> None:
    valid = (change.valid_to or 0) > now
    if change.kind == "owner":
        state.owner = change.owner
    elif change.kind == "delegate":
        state.delegate_count += 1
        delegate_type = _text(change.delegate_type)
        key = ("delegate", delegate_type, change.delegate)
        if not valid or delegate_type not in ("veriKey", "sigAuth"):
            state.delegates.pop(key, None)
            return
        account = f"eip155:{chain_id}:{change.delegate}"
        method = {"type": EcdsaSecp256k1RecoveryMethod2020, "blockchain_account_id": account}
        state.delegates[key] = (state.delegate_count, delegate_type, method)
    elif change.kind == "attribute":
        match = _ATTRIBUTE.match(_text(change.name))
        if match is None:
            return
        section, algorithm_or_type, purpose, _encoding = match.groups()
        value = bytes.fromhex(change.value[2:])
        key = ("attribute", _text(change.name), change.value)
        if section == "pub":
            state.delegate_count += 1
            key_type = _KEY_TYPES.get(algorithm_or_type)
            if not valid or key_type is None:
                state.delegates.pop(key, None)
                return
            if key_type is EcdsaSecp256k1VerificationKey2019:
                material = {"public_key_hex": value.hex()}
            else:
                material = {"public_key_base58": multibase.encode(value, "base58btc")[1:]}
            state.delegates[key] = (state.delegate_count, purpose or "veriKey", {"type": key_type, **material})
        else:
            state.service_count += 1
            if not valid:
                state.services.pop(key, None)
                return
            text = value.decode("utf-8", errors="replace")
            try:
                endpoint = json.loads(text)
            except ValueError:
                endpoint = text
            state.services[key] = (state.service_count, algorithm_or_type, endpoint)


def ethr_document(did: EthrDid, changes: list[DidChange], now: int) -> EthrResolution:
    state = _State(owner=did.identity)
    for change in changes:
        _apply(state, change, did.chain_id, now)
    version = changes[-1] if changes else None
    updated = None
    if version is not None:
        updated = datetime.fromtimestamp(version.block_timestamp, UTC).isoformat().replace("+00:00", "Z")
    builder = DIDDocumentBuilder(did.did, context=list(CONTEXT))
    deactivated = state.owner == ZERO_ADDRESS
    if not deactivated:
        controller = builder.verification_method.add(
            EcdsaSecp256k1RecoveryMethod2020,
            ident="controller",
            blockchain_account_id=f"eip155:{did.chain_id}:{state.owner}",
        )
        signers = [controller]
        if did.public_key is not None and state.owner == did.identity:
            signers.append(
                builder.verification_method.add(
                    EcdsaSecp256k1VerificationKey2019, ident="controllerKey", public_key_hex=did.public_key.hex()
                )
            )
        for method in signers:
            builder.authentication.reference(method.id)
            builder.assertion_method.reference(method.id)
        for number, purpose, spec in sorted(state.delegates.values(), key=lambda item: item[0]):
            spec = dict(spec)
            method = builder.verification_method.add(spec.pop("type"), ident=f"delegate-{number}", **spec)
            if purpose == "enc":
                builder.key_agreement.reference(method.id)
                continue
            builder.assertion_method.reference(method.id)
            if purpose == "sigAuth":
                builder.authentication.reference(method.id)
        for number, service_type, endpoint in sorted(state.services.values(), key=lambda item: item[0]):
            builder.service.add(service_type, endpoint, ident=f"service-{number}")
    return EthrResolution(builder.build(), deactivated, version.block_number if version else None, updated)
