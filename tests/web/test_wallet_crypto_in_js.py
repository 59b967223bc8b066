"""The page's wallet code (web/lib, run in node) makes the same bytes as the Python reference.

The pairwise key is derived from fixed wallet signatures by web/lib/pairwise.js and by
backend.consent.pairwise; a Consent and a Withdrawal are signed by web/lib/consent-signing.js
(ethers) and by backend.consent.typed_data (eth-account): keys and signatures are equal.
"""

from __future__ import annotations


import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from backend.consent.pairwise import key_from_signature, pairwise_message
from backend.consent.typed_data import Consent, Withdrawal, domain, purpose_hash, data_categories_hash, sign
from backend.consent.typed_data import type_string, typed_data
from tests.web.node_support import needs_node, run_json, run_module

CHAIN_ID, REGISTRY = 31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3"
GRANTEE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"

pytestmark = needs_node

SCRIPT = """
import { readFileSync } from "node:fs";
import { pairwiseSecret, keyFromSignature } from "./web/lib/pairwise.js";
import { signPayload, signedWithdrawal, fieldsOf } from "./web/lib/consent-signing.js";
const input = JSON.parse(readFileSync(0, "utf8"));
const out = { secrets: input.signatures.map(pairwiseSecret), addresses: input.signatures.map((s) => keyFromSignature(s).address) };
const key = keyFromSignature(input.signatures[0]);
out.consentSignature = await signPayload(key, input.consentPayload);
const types = { Withdrawal: fieldsOf(input.withdrawalType) };
out.withdrawalSignature = await key.signTypedData(input.domain, types, input.withdrawal);
out.withdrawalFields = types.Withdrawal;
process.stdout.write(JSON.stringify(out));
"""


def run_js(payload: dict) -> dict:
    return run_json(SCRIPT, payload)


def test_pairwise_keys_and_eip712_signatures_are_byte_equal_to_python():
    wallets = [Account.from_key(bytes([n]) * 32) for n in (1, 2, 7)]
    message = pairwise_message(CHAIN_ID, REGISTRY, GRANTEE)
    signatures = [bytes(w.sign_message(encode_defunct(text=message)).signature) for w in wallets]
    signatures.append(bytes(range(65)))  # any 65 bytes, not only a wallet's
    python_keys = [key_from_signature(signature) for signature in signatures]

    key = python_keys[0]
    consent = Consent(subject=key.address, grantee=GRANTEE, offer_id=3, purpose=purpose_hash("dpv:Marketing"),
                      data_categories_hash=data_categories_hash(["country", "age-band"]), expiry=1_900_000_000,
                      compensation=2**70 + 5, nonce=2**255 + 12345, deadline=1_800_000_000)
    withdrawal = Withdrawal(key.address, bytes.fromhex("ab" * 32), 1_800_000_123)
    withdrawal_payload = typed_data(withdrawal, CHAIN_ID, REGISTRY)
    out = run_js({
        "signatures": ["0x" + signature.hex() for signature in signatures],
        "consentPayload": typed_data(consent, CHAIN_ID, REGISTRY),
        "domain": domain(CHAIN_ID, REGISTRY),
        "withdrawalType": type_string(Withdrawal),
        "withdrawal": withdrawal_payload["message"],
    })

    assert out["secrets"] == ["0x" + bytes(k.key).hex() for k in python_keys]
    assert out["addresses"] == [k.address for k in python_keys]
    assert out["consentSignature"] == "0x" + sign(consent, key.key, CHAIN_ID, REGISTRY).hex()
    assert out["withdrawalFields"] == Withdrawal.FIELDS
    assert out["withdrawalSignature"] == "0x" + sign(withdrawal, key.key, CHAIN_ID, REGISTRY).hex()


def test_a_signature_of_the_wrong_length_is_refused_in_js_as_in_python():
    with pytest.raises(ValueError, match="65 bytes"):
        key_from_signature(b"\x01" * 64)
    done = run_module('import { pairwiseSecret } from "./web/lib/pairwise.js"; pairwiseSecret("0x" + "01".repeat(64));')
    assert done.returncode != 0 and "a wallet signature is 65 bytes, got 64" in done.stderr
