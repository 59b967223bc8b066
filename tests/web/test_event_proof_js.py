"""The advertiser console's proof check (web/lib/event-proof.js, run in node) computes the bytes
the Python reference computes, and refuses what backend.settlement.proofs.verification refuses.

A proof document is built in Python the way the API builds one (backend.ads.event_hash,
EventLeaf, MerkleTree, SettlementRecord); node recomputes the event hash, the leaf, the root
and the settlement record's hash. The on-chain checks run in the advertiser browser test.
"""

from __future__ import annotations

import json

import pytest

from backend.ads.event_hash import event_hash, event_record
from backend.proofs.merkle import MerkleTree
from backend.settlement.encoding.leaves import EventLeaf
from backend.settlement.encoding.record import SettlementRecord
from tests.web.node_support import needs_node, run_json

CHAIN_ID, ESCROW = 31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3"
PUBLISHER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"

pytestmark = needs_node

SCRIPT = """
import { readFileSync } from "node:fs";
import { checkEventProof, eventHash, eventLeafHash, merkleRoot, settlementRecordHash } from "./web/lib/event-proof.js";
const { documents, chain } = JSON.parse(readFileSync(0, "utf8"));
const out = [];
for (const document of documents) {
  try {
    const checked = await checkEventProof(document, { chain, provider: null });
    out.push({
      eventHash: eventHash(document.record), leafHash: eventLeafHash(document.leaf),
      root: merkleRoot(eventLeafHash(document.leaf), document.proof),
      recordHash: document.settlement_record ? settlementRecordHash(document.settlement_record) : null,
      checks: Object.fromEntries(checked.checks.map((c) => [c.name, c.passed])), verified: checked.verified,
      onChainChecked: checked.onChainChecked,
    });
  } catch (error) {
    out.push({ refused: `${error.constructor.name}: ${error.message}` });
  }
}
process.stdout.write(JSON.stringify(out));
"""


def run_js(documents: list[dict]) -> list[dict]:
    payload = {"documents": documents, "chain": {"chainId": CHAIN_ID, "escrow": ESCROW}}
    return run_json(SCRIPT, payload)


def hexed(raw: bytes) -> str:
    return "0x" + raw.hex()


def proof_documents() -> list[dict]:
    """Three billed events of one epoch (one with non-ASCII and quote characters in its id), as the API serves them."""
    records = [
        event_record(campaign_id=7, publisher=PUBLISHER, event_id=event_id, kind=kind, occurred_at=1_760_000_000 + n,
                     received_at=1_760_000_005 + n, impression_id=impression, click_id=click)
        for n, (event_id, kind, impression, click) in enumerate([
            ("imp-1", "impression", None, None),
            ('clk "ünï" 2', "click", "imp-1", "c-9"),
            ("conv-3", "conversion", None, "c-9"),
        ])
    ]
    leaves = [EventLeaf(campaign_id=7, epoch=42, event_hash=event_hash(r), publisher=PUBLISHER, kind=k,
                        price=p) for r, k, p in zip(records, (0, 1, 2), (2_000, 150_000, 10**24), strict=True)]
    tree = MerkleTree([leaf.hash() for leaf in leaves])
    record = SettlementRecord(events_root=tree.root, balance_root=b"\x11" * 32, cumulative_spent=10**24 + 152_000,
                              committed_at=1_760_000_600, revision=1)
    documents = []
    for event_record_, leaf in zip(records, leaves, strict=True):
        documents.append({
            "event_id": 1, "chain_id": CHAIN_ID, "escrow": ESCROW.lower(),
            "leaf": {"campaign_id": 7, "epoch": 42, "event_hash": hexed(leaf.event_hash), "publisher": PUBLISHER,
                     "kind": leaf.kind, "price": str(leaf.price)},
            "leaf_hash": hexed(leaf.hash()), "record": event_record_,
            "proof": [hexed(node) for node in tree.proof(leaf.hash())], "epoch": 42, "events_root": hexed(tree.root),
            "settlement_record": {"events_root": hexed(record.events_root), "balance_root": hexed(record.balance_root),
                                  "cumulative_spent": str(record.cumulative_spent),
                                  "committed_at": record.committed_at, "revision": record.revision},
            "expected_record_hash": hexed(record.hash()),
        })
    return documents


def test_hashes_leaf_root_and_record_hash_equal_pythons():
    documents = proof_documents()
    results = run_js(documents)
    for document, result in zip(documents, results, strict=True):
        assert result["eventHash"] == document["leaf"]["event_hash"]
        assert result["leafHash"] == document["leaf_hash"]
        assert result["root"] == document["events_root"]
        assert result["recordHash"] == document["expected_record_hash"]
        assert all(result["checks"].values()), result["checks"]
        assert result["onChainChecked"] is False and result["verified"] is True


def test_tampering_fails_the_matching_check():
    good = proof_documents()[1]
    tampered_record = json.loads(json.dumps(good))
    tampered_record["record"]["occurred_at"] += 1
    wrong_path = json.loads(json.dumps(good))
    wrong_path["proof"][0] = "0x" + "ab" * 32
    other_escrow = json.loads(json.dumps(good))
    other_escrow["escrow"] = PUBLISHER
    other_chain = json.loads(json.dumps(good))
    other_chain["chain_id"] = 1
    other_publisher = json.loads(json.dumps(good))
    other_publisher["record"]["publisher"] = ESCROW
    not_mirrored = json.loads(json.dumps(good))
    not_mirrored["settlement_record"] = None
    results = run_js([tampered_record, wrong_path, other_escrow, other_chain, other_publisher, not_mirrored])
    failed = [sorted(name for name, passed in result["checks"].items() if not passed) for result in results]
    assert failed == [["event hash"], ["merkle path"], ["escrow"], ["chain"], ["event hash", "record matches leaf"],
                      ["settlement record"]]
    assert not any(result["verified"] for result in results)


def test_documents_that_are_not_proofs_are_refused():
    good = proof_documents()[0]
    short_hash = json.loads(json.dumps(good))
    short_hash["leaf"]["event_hash"] = "0x1234"
    extra_field = json.loads(json.dumps(good))
    extra_field["record"]["ip"] = "203.0.113.9"
    results = run_js([{"leaf": None}, short_hash, extra_field])
    assert [result["refused"].split(":")[0] for result in results] == ["ProofDocumentInvalid"] * 3
    assert "leaf.event_hash" in results[1]["refused"] and "exactly the fields" in results[2]["refused"]
