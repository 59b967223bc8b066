"""Data consent: signed grants and withdrawals, pairwise subjects, sealed personal data, enforcement.

::

    typed_data   EIP-712 messages of the ConsentRegistry (grant, withdrawal, reward sweep)
    pairwise     pairwise keys derived from a wallet signature (consumer side)
    vocabulary   DPV purposes and data categories, and their on-chain hashes
    vault        AES-256-GCM per subject; keys derived from the master key
    subjects     consumers as held: found by wallet or pairwise address, opened with their key
    grants       accepting signed grants, withdrawals and sweeps before relaying them (chain.py)
    enforcement  the data path and its access log (audit.py)
    receipts, export, erasure, offers, rotation, client (reference consumer), demo
"""

from backend.consent.pairwise import derive_pairwise, key_from_signature, pairwise_message
from backend.consent.rotation import rotate_subject_keys
from backend.consent.typed_data import (
    DOMAIN_NAME,
    DOMAIN_VERSION,
    Consent,
    ConsentMessage,
    ConsentSignatureError,
    Sweep,
    Withdrawal,
    consent_id,
    data_categories_hash,
    digest,
    domain,
    new_nonce,
    purpose_hash,
    recover_signer,
    sign,
    signable,
    type_string,
    typed_data,
    verify,
)
from backend.consent.vocabulary import DATA_CATEGORIES, PURPOSES

__all__ = [
    "DATA_CATEGORIES",
    "DOMAIN_NAME",
    "DOMAIN_VERSION",
    "Consent",
    "ConsentMessage",
    "ConsentSignatureError",
    "PURPOSES",
    "Sweep",
    "Withdrawal",
    "consent_id",
    "data_categories_hash",
    "derive_pairwise",
    "digest",
    "domain",
    "key_from_signature",
    "new_nonce",
    "pairwise_message",
    "purpose_hash",
    "recover_signer",
    "rotate_subject_keys",
    "sign",
    "signable",
    "type_string",
    "typed_data",
    "verify",
]
