"""Errors of key custody. None of them carries key material in its message."""


class KeyCustodyError(RuntimeError):
    """Base class: a chain key could not be created, opened or found."""


class MasterKeyUnavailable(KeyCustodyError):
    """Neither TRUSTLEDGER_MASTER_KEY nor TRUSTLEDGER_MASTER_KEY_FILE is set, or the value is not a 32-byte key."""


class MasterKeyMismatch(KeyCustodyError):
    """A ciphertext was sealed under another master key than the one given."""

    def __init__(self, address: str, sealed_under: str, given: str):
        super().__init__(f"key of {address} is sealed under master key {sealed_under}, not {given}")
        self.address = address
        self.sealed_under = sealed_under
        self.given = given


class KeyDecryptionError(KeyCustodyError):
    """AES-GCM authentication failed: wrong master key, or the ciphertext or its binding was altered."""


class UnknownSigner(KeyCustodyError):
    """No platform or custodial key is held for this address."""

    def __init__(self, address: str):
        super().__init__(f"no signing key held for {address}")
        self.address = address
