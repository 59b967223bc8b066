"""Chain keys the platform holds: its own (from settings) and its participants' (custodial, sealed in the DB)."""

from backend.keys.custody import create_custodial_key, custodial_address, open_custodial_key, rotate_master_key
from backend.keys.errors import (
    KeyCustodyError,
    KeyDecryptionError,
    MasterKeyMismatch,
    MasterKeyUnavailable,
    UnknownSigner,
)
from backend.keys.keyring import platform_accounts, signer_for
from backend.keys.master import MasterKey

__all__ = [
    "KeyCustodyError",
    "KeyDecryptionError",
    "MasterKey",
    "MasterKeyMismatch",
    "MasterKeyUnavailable",
    "UnknownSigner",
    "create_custodial_key",
    "custodial_address",
    "open_custodial_key",
    "platform_accounts",
    "rotate_master_key",
    "signer_for",
]
