// Check an event proof (the answer of GET /v1/events/{id}/proof) in the browser, trusting only
// the chain the wallet is connected to and the escrow address the deployment names: the checks
// of backend/settlement/proofs/verification.py, in the same order and with the same names.
// No DOM and no messages here, so Node runs it too (tests/web/test_event_proof_js.py).

import { AbiCoder, Contract, concat, getAddress, keccak256, toUtf8Bytes } from "ethers";

const coder = AbiCoder.defaultAbiCoder();

// backend/ads/event_hash.py: exactly these keys, sorted, no whitespace, UTF-8.
const RECORD_FIELDS = ["campaign_id", "click_id", "event_id", "impression_id", "kind", "occurred_at", "publisher", "received_at"];
// backend/settlement/encoding/leaves.py and record.py (ICampaignEscrow's types).
const EVENT_LEAF_TYPES = ["uint256", "uint64", "bytes32", "address", "uint8", "uint256"];
const RECORD_TYPES = ["bytes32", "bytes32", "uint256", "uint64", "uint32"];
const ESCROW_VIEWS = [
  "function settlementHash(uint256 campaignId, uint64 epoch) view returns (bytes32)",
  "function verifyEvent(uint256 campaignId, uint64 epoch, (bytes32 eventHash, address publisher, uint8 kind, uint256 price) leaf, bytes32[] proof, (bytes32 eventsRoot, bytes32 balanceRoot, uint256 cumulativeSpent, uint64 committedAt, uint32 revision) record) view returns (bool)",
];

export class ProofDocumentInvalid extends Error {}

export function canonicalRecord(record) {
  const keys = Object.keys(record).sort();
  if (keys.join() !== RECORD_FIELDS.join()) throw new ProofDocumentInvalid(`an event record has exactly the fields ${RECORD_FIELDS.join(", ")}`);
  const sorted = {};
  for (const key of keys) sorted[key] = record[key];
  return JSON.stringify(sorted);
}

export function eventHash(record) {
  return keccak256(toUtf8Bytes(canonicalRecord(record)));
}

// OpenZeppelin's leaf: keccak256(bytes.concat(keccak256(abi.encode(values)))).
export function eventLeafHash(leaf) {
  return keccak256(keccak256(coder.encode(EVENT_LEAF_TYPES, leafValues(leaf))));
}

function leafValues(leaf) {
  return [BigInt(leaf.campaign_id), BigInt(leaf.epoch), leaf.event_hash, getAddress(leaf.publisher), Number(leaf.kind), BigInt(leaf.price)];
}

function recordTuple(record) {
  return [record.events_root, record.balance_root, BigInt(record.cumulative_spent), BigInt(record.committed_at), BigInt(record.revision)];
}

export function settlementRecordHash(record) {
  return keccak256(coder.encode(RECORD_TYPES, recordTuple(record)));
}

// OpenZeppelin MerkleProof.verify: pairs hashed sorted.
export function merkleRoot(leafHash, proof) {
  return proof.reduce((node, sibling) => {
    const [a, b] = node.toLowerCase() < sibling.toLowerCase() ? [node, sibling] : [sibling, node];
    return keccak256(concat([a, b]));
  }, leafHash);
}

function bytes32(value, name) {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value)) throw new ProofDocumentInvalid(`${name} is not 32 bytes of hex`);
  return value.toLowerCase();
}

function parse(document) {
  const leaf = document?.leaf;
  if (!leaf || !Array.isArray(document.proof)) throw new ProofDocumentInvalid("not an event proof: leaf and proof are missing");
  bytes32(leaf.event_hash, "leaf.event_hash");
  document.proof.forEach((node, index) => bytes32(node, `proof node ${index}`));
  const record = document.settlement_record ?? null;
  if (record) for (const name of ["events_root", "balance_root"]) bytes32(record[name], `settlement_record.${name}`);
  return { leaf, proof: document.proof, record };
}

// `chain`: {chainId, escrow} of the deployment the page was served for; `provider`: an ethers
// provider on the wallet's node, or null (the on-chain checks are then reported as not run).
// Resolves to {checks: [{name, passed, detail}], verified, onChainChecked}.
export async function checkEventProof(document, { chain, provider }) {
  const { leaf, proof, record } = parse(document);
  const checks = [];
  const add = (name, passed, detail = "") => { checks.push({ name, passed: Boolean(passed), detail }); return passed; };
  const result = () => ({ checks, verified: checks.length > 0 && checks.every((check) => check.passed), onChainChecked });
  let onChainChecked = false;

  const nodeChain = provider ? Number((await provider.getNetwork()).chainId) : null;
  const sameChain = Number(document.chain_id) === Number(chain.chainId) && (nodeChain === null || nodeChain === Number(chain.chainId));
  add("chain", sameChain, `node ${nodeChain ?? "—"}, deployment ${chain.chainId}, proof ${document.chain_id}`);
  add("escrow", String(document.escrow ?? "").toLowerCase() === String(chain.escrow).toLowerCase(), `deployment ${chain.escrow}, proof ${document.escrow}`);
  if (document.record) {
    const recomputed = eventHash(document.record);
    add("event hash", recomputed === leaf.event_hash.toLowerCase(), recomputed);
    add("record matches leaf", document.record.campaign_id === Number(leaf.campaign_id)
      && getAddress(String(document.record.publisher)) === getAddress(leaf.publisher));
  }
  if (!record) {
    add("settlement record", false, "the proof carries no settlement record: the commit is not mirrored yet");
    return result();
  }
  const leafHash = eventLeafHash(leaf);
  add("merkle path", merkleRoot(leafHash, proof) === record.events_root.toLowerCase(), `leaf ${leafHash}`);
  if (!provider || !sameChain) return result();
  const escrow = new Contract(chain.escrow, ESCROW_VIEWS, provider);
  const stored = await escrow.settlementHash(BigInt(leaf.campaign_id), BigInt(leaf.epoch));
  add("record on chain", stored.toLowerCase() === settlementRecordHash(record), `settlementHash ${stored}`);
  const [, , eventHashValue, publisher, kind, price] = leafValues(leaf);
  const onChain = await escrow.verifyEvent(BigInt(leaf.campaign_id), BigInt(leaf.epoch),
    [eventHashValue, publisher, kind, price], proof, recordTuple(record));
  add("verifyEvent", onChain, `escrow ${chain.escrow}`);
  onChainChecked = true;
  return result();
}
