"""did:ethr on the ERC-1056 DIDRegistry: the signed meta-transaction messages."""

from backend.dids.erc1056_signing import (
    MetaTxSignature,
    add_delegate_message,
    change_owner_message,
    meta_tx_hash,
    revoke_attribute_message,
    revoke_delegate_message,
    set_attribute_message,
    sign_meta_tx,
    to_bytes32,
)

__all__ = [
    "MetaTxSignature",
    "add_delegate_message",
    "change_owner_message",
    "meta_tx_hash",
    "revoke_attribute_message",
    "revoke_delegate_message",
    "set_attribute_message",
    "sign_meta_tx",
    "to_bytes32",
]
