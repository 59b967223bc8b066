"""Pairwise pseudonymous subjects: one key per consumer and grantee, derived from a wallet signature.

The consumer's wallet signs (EIP-191 ``personal_sign``) a fixed message naming the
grantee, the chain and the consent registry; keccak256 of that signature, read as an
integer modulo the secp256k1 group order, is the pairwise private key. Wallets sign
deterministically (RFC 6979: eth-account, MetaMask, hardware wallets), so the consumer
re-derives the same key on any device from the wallet alone, and only the consumer can.

Nobody else can link the address to the wallet (that needs the signature, which never
leaves the consumer's device: the API is sent neither it nor the pairwise key) or to the
consumer's addresses for other grantees (each message differs, so each key is
independent). Rejected: an HD path (BIP-32) off the wallet's seed, because wallets do
not expose derivation of arbitrary paths to web pages; and a random key stored by the
platform, because the consumer could then not re-derive it and the platform could sign
as the consumer.

This module runs on the consumer's side (tests, the demo, a reference client); the API
only publishes the message text.
"""

from __future__ import annotations

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address

SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_KEY_DOMAIN = b"trustledger/pairwise-key/v1"


def pairwise_message(chain_id: int, registry: str, grantee: str) -> str:
    """The text the wallet signs to derive its pairwise key for `grantee`."""
    return "\n".join(
        [
            "trustledger pairwise identity",
            "",
            "Sign to derive your private identity for one advertiser. This is not a transaction and costs "
            "nothing. Sign it only on trustledger.",
            "",
            f"Advertiser: {to_checksum_address(grantee)}",
            f"Chain ID: {chain_id}",
            f"Consent registry: {to_checksum_address(registry)}",
            "Version: 1",
        ]
    )


def key_from_signature(signature: bytes) -> LocalAccount:
    """The pairwise account derived from the wallet's 65-byte signature over `pairwise_message`."""
    if len(signature) != 65:
        raise ValueError(f"a wallet signature is 65 bytes, got {len(signature)}")
    seed = keccak(_KEY_DOMAIN + signature)
    secret = int.from_bytes(seed, "big") % SECP256K1_ORDER
    while secret == 0:  # probability 2**-256; rehash rather than fail
        seed = keccak(seed)
        secret = int.from_bytes(seed, "big") % SECP256K1_ORDER
    return Account.from_key(secret.to_bytes(32, "big"))


def derive_pairwise(wallet: LocalAccount, chain_id: int, registry: str, grantee: str) -> LocalAccount:
    """What a consumer's client does: sign the message with the wallet, derive the pairwise key."""
    signed = wallet.sign_message(encode_defunct(text=pairwise_message(chain_id, registry, grantee)))
    return key_from_signature(bytes(signed.signature))
