"""Check an event proof (the answer of ``GET /v1/events/{id}/proof``) against the chain, trusting
only the node and the deployment manifest.

Checks, in order; each is reported, and the proof holds only when all pass:
1. the proof names this chain and this manifest's escrow;
2. keccak256 of the canonical record is the leaf's ``eventHash`` (the record is what
   happened; the leaf is what was billed);
3. the record's campaign and publisher are the leaf's;
4. the proof leads from the leaf to the ``eventsRoot`` of the settlement record;
5. the escrow stores exactly that record's hash for the epoch (``settlementHash``);
6. the escrow's ``verifyEvent`` view returns true: leaf, proof and record check out on
   chain, and the epoch's root was not discarded by a challenge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_utils import to_checksum_address
from web3 import Web3

from backend.ads.event_hash import event_hash
from backend.proofs.merkle import verify_proof
from backend.settlement.encoding.leaves import EventLeaf
from backend.settlement.encoding.record import SettlementRecord
from contracts import load_artifact


class ProofDocumentInvalid(ValueError):
    """The document is not a proof as the API writes it."""


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str = ""


@dataclass
class Verification:
    event_id: int | None
    checks: list[Check] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)

    def add(self, name: str, passed: bool, detail: str = "") -> bool:
        self.checks.append(Check(name, passed, detail))
        return passed


def _bytes32(value: Any, name: str) -> bytes:
    try:
        raw = bytes.fromhex(value[2:] if value.startswith("0x") else value)
    except (AttributeError, ValueError):
        raise ProofDocumentInvalid(f"{name} is not hex") from None
    if len(raw) != 32:
        raise ProofDocumentInvalid(f"{name} is not 32 bytes")
    return raw


def parse(document: dict[str, Any]) -> tuple[EventLeaf, list[bytes], SettlementRecord | None]:
    try:
        leaf_fields = document["leaf"]
        leaf = EventLeaf(
            campaign_id=int(leaf_fields["campaign_id"]),
            epoch=int(leaf_fields["epoch"]),
            event_hash=_bytes32(leaf_fields["event_hash"], "leaf.event_hash"),
            publisher=leaf_fields["publisher"],
            kind=int(leaf_fields["kind"]),
            price=int(leaf_fields["price"]),
        )
        proof = [_bytes32(node, "proof node") for node in document["proof"]]
        raw = document.get("settlement_record")
        record = SettlementRecord(
            events_root=_bytes32(raw["events_root"], "settlement_record.events_root"),
            balance_root=_bytes32(raw["balance_root"], "settlement_record.balance_root"),
            cumulative_spent=int(raw["cumulative_spent"]),
            committed_at=int(raw["committed_at"]),
            revision=int(raw["revision"]),
        ) if raw else None
    except (KeyError, TypeError, ValueError) as exc:
        raise ProofDocumentInvalid(f"not an event proof: {exc}") from None
    return leaf, proof, record


def verify_event_proof(document: dict[str, Any], w3: Web3, escrow: str, chain_id: int) -> Verification:
    """Run every check against the escrow at ``escrow`` on the chain ``w3`` is connected to."""
    leaf, proof, record = parse(document)
    result = Verification(event_id=document.get("event_id"))
    node_chain = w3.eth.chain_id
    same_chain = node_chain == chain_id == int(document.get("chain_id", -1))
    result.add("chain", same_chain, f"node {node_chain}, manifest {chain_id}, proof {document.get('chain_id')}")
    named = str(document.get("escrow", ""))
    result.add("escrow", named.lower() == escrow.lower(), f"manifest {escrow}, proof {named}")

    event_record = document.get("record")
    if event_record is not None:
        recomputed = event_hash(event_record)
        result.add("event hash", recomputed == leaf.event_hash, "0x" + recomputed.hex())
        result.add(
            "record matches leaf",
            event_record.get("campaign_id") == leaf.campaign_id
            and to_checksum_address(str(event_record.get("publisher"))) == leaf.publisher,
        )
    if record is None:
        result.add("settlement record", False, "the proof carries no settlement record: the commit is not mirrored yet")
        return result
    result.add("merkle path", verify_proof(proof, record.events_root, leaf.hash()), "leaf 0x" + leaf.hash().hex())
    if not same_chain:
        return result
    contract = w3.eth.contract(address=to_checksum_address(escrow), abi=load_artifact("CampaignEscrow").abi)
    stored = bytes(contract.functions.settlementHash(leaf.campaign_id, leaf.epoch).call())
    result.add("record on chain", stored == record.hash(), "settlementHash 0x" + stored.hex())
    on_chain = contract.functions.verifyEvent(
        leaf.campaign_id, leaf.epoch, leaf.contract_struct(), proof, record.as_tuple()
    ).call()
    result.add("verifyEvent", bool(on_chain), "escrow " + escrow)
    return result
