// The pairwise key per advertiser, derived exactly as backend/consent/pairwise.py does:
// keccak256("trustledger/pairwise-key/v1" || wallet signature) mod the secp256k1 order,
// rehashed while zero. The wallet signs (personal_sign) the text the API publishes at
// GET /v1/consents/pairwise-message; the derived key stays in page memory.

import { Wallet, concat, getBytes, keccak256, toBeHex, toUtf8Bytes } from "ethers";

export const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const KEY_DOMAIN = toUtf8Bytes("trustledger/pairwise-key/v1");

export function pairwiseSecret(signature) {
  const bytes = getBytes(signature);
  if (bytes.length !== 65) throw new Error(`a wallet signature is 65 bytes, got ${bytes.length}`);
  let seed = keccak256(concat([KEY_DOMAIN, bytes]));
  let secret = BigInt(seed) % SECP256K1_ORDER;
  while (secret === 0n) {
    seed = keccak256(seed);
    secret = BigInt(seed) % SECP256K1_ORDER;
  }
  return toBeHex(secret, 32);
}

export function keyFromSignature(signature) {
  return new Wallet(pairwiseSecret(signature));
}

export async function derivePairwise(signer, message) {
  return keyFromSignature(await signer.signMessage(message));
}
