"""DIDs: did:pkh for consumers, did:ethr on the ERC-1056 DIDRegistry for organisations.

Resolution (``resolve``) and the signed meta-transaction messages of the registry.
"""

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
from backend.dids.identifiers import DidError, EthrDid, PkhDid, ethr_did, parse_did, pkh_did
from backend.dids.resolver import resolve

__all__ = [
    "DidError",
    "EthrDid",
    "MetaTxSignature",
    "PkhDid",
    "add_delegate_message",
    "change_owner_message",
    "ethr_did",
    "meta_tx_hash",
    "parse_did",
    "pkh_did",
    "resolve",
    "revoke_attribute_message",
    "revoke_delegate_message",
    "set_attribute_message",
    "sign_meta_tx",
    "to_bytes32",
]
