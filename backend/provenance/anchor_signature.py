"""Build and sign an actor's event-batch anchor for the ProvenanceRegistry.

An anchor commits to a batch of EPCIS event hashes with one Merkle root
(OpenZeppelin StandardMerkleTree leaves over ``bytes32 eventHash``). The actor signs the
EIP-712 ``EventBatch`` so a relayer can submit it but not alter it; the batch id the
contract stores it under is that message's digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_utils import to_checksum_address

from backend.proofs import eip712
from backend.proofs.merkle import MerkleTree, hash_leaf

DOMAIN_NAME = "trustledger ProvenanceRegistry"
DOMAIN_VERSION = "1"
EVENT_BATCH_FIELDS: list[dict[str, str]] = [
    {"name": "actor", "type": "address"},
    {"name": "brand", "type": "address"},
    {"name": "eventsRoot", "type": "bytes32"},
    {"name": "eventCount", "type": "uint32"},
    {"name": "documentCid", "type": "bytes"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]
EVENT_BATCH_TYPE = "EventBatch(" + ",".join(f"{f['type']} {f['name']}" for f in EVENT_BATCH_FIELDS) + ")"
_JS_MAX_SAFE_INTEGER = 2**53 - 1


@dataclass(frozen=True)
class EventBatch:
    """The signed anchor of one actor's batch of events for one brand."""

    actor: str
    brand: str
    events_root: bytes
    event_count: int
    document_cid: bytes  # CID bytes of the batch document in the content store
    nonce: int  # unique per batch of this actor (the batcher's sequence number)
    deadline: int  # unix seconds until which it may be relayed

    def values(self) -> tuple:
        """Arguments of ``ProvenanceRegistry.anchorEvents``' first parameter."""
        return (
            to_checksum_address(self.actor),
            to_checksum_address(self.brand),
            self.events_root,
            self.event_count,
            self.document_cid,
            self.nonce,
            self.deadline,
        )


@dataclass(frozen=True)
class SignedAnchor:
    batch: EventBatch
    tree: MerkleTree  # proofs for each event: tree.proof(event_leaf(event_hash))
    batch_id: bytes
    signature: bytes


def event_leaf(event_hash: bytes) -> bytes:
    """The Merkle leaf of one EPCIS event hash (32-byte sha-256 digest)."""
    if len(event_hash) != 32:
        raise ValueError("an event hash is 32 bytes")
    return hash_leaf(["bytes32"], [event_hash])


def domain(chain_id: int, registry_address: str) -> dict[str, Any]:
    return eip712.domain(DOMAIN_NAME, DOMAIN_VERSION, chain_id, registry_address)


def typed_data(batch: EventBatch, chain_id: int, registry_address: str) -> dict[str, Any]:
    """The ``eth_signTypedData_v4`` payload of the batch (for an actor signing in its own wallet)."""
    message = dict(zip((field["name"] for field in EVENT_BATCH_FIELDS), batch.values(), strict=True))
    message["eventsRoot"] = "0x" + batch.events_root.hex()
    message["documentCid"] = "0x" + batch.document_cid.hex()
    for name in ("nonce", "deadline"):
        if message[name] > _JS_MAX_SAFE_INTEGER:
            message[name] = str(message[name])
    return {
        "types": {"EIP712Domain": eip712.DOMAIN_FIELDS, "EventBatch": EVENT_BATCH_FIELDS},
        "primaryType": "EventBatch",
        "domain": domain(chain_id, registry_address),
        "message": message,
    }


def signable(batch: EventBatch, chain_id: int, registry_address: str) -> SignableMessage:
    return encode_typed_data(full_message=typed_data(batch, chain_id, registry_address))


def batch_id(batch: EventBatch, chain_id: int, registry_address: str) -> bytes:
    """The id the registry stores the anchor under: the EIP-712 digest of the batch."""
    encoded = signable(batch, chain_id, registry_address)
    return eip712.digest(encoded)


def sign_event_batch(batch: EventBatch, private_key: bytes | str, chain_id: int, registry_address: str) -> bytes:
    """The actor's 65-byte signature over the batch."""
    signer = Account.from_key(private_key)
    if signer.address != to_checksum_address(batch.actor):
        raise ValueError(f"key of {signer.address} cannot sign for actor {batch.actor}")
    return bytes(signer.sign_message(signable(batch, chain_id, registry_address)).signature)


def build_anchor(
    *,
    actor_key: bytes | str,
    brand: str,
    event_hashes: Sequence[bytes],
    document_cid: bytes,
    nonce: int,
    deadline: int,
    chain_id: int,
    registry_address: str,
) -> SignedAnchor:
    """Tree, batch, id and signature for the events one actor recorded for one brand."""
    if len(set(event_hashes)) != len(event_hashes):
        raise ValueError("an event hash appears twice in the batch")
    tree = MerkleTree([event_leaf(event_hash) for event_hash in event_hashes])
    batch = EventBatch(
        actor=Account.from_key(actor_key).address,
        brand=brand,
        events_root=tree.root,
        event_count=len(event_hashes),
        document_cid=document_cid,
        nonce=nonce,
        deadline=deadline,
    )
    return SignedAnchor(
        batch=batch,
        tree=tree,
        batch_id=batch_id(batch, chain_id, registry_address),
        signature=sign_event_batch(batch, actor_key, chain_id, registry_address),
    )
