"""Keys of the product page, derived from one provenance secret (HKDF-SHA256, one label each).

Claim-code hashes, scanner ids and the NTAG 424 tag keys use separate keys, so none can
stand in for another. In development and tests a fixed, public secret is used when none is set;
production refuses to run without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from backend.core.config import Settings
from backend.provenance.sun import SunKeys

DEVELOPMENT_SECRET = b"trustledger development provenance secret (public; never used in production)"


class ProvenanceSecretMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class ProvenanceKeys:
    claim_pepper: bytes
    scanner_key: bytes
    sun: SunKeys  # keys personalised into NTAG 424 DNA tags (file read key diversified per UID)


def _derive(secret: bytes, label: str, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=label.encode()).derive(secret)


def provenance_keys(settings: Settings) -> ProvenanceKeys:
    if settings.provenance_secret is not None:
        secret = settings.provenance_secret.get_secret_value().encode()
    elif settings.environment == "production":
        raise ProvenanceSecretMissing("TRUSTLEDGER_PROVENANCE_SECRET is not set")
    else:
        secret = DEVELOPMENT_SECRET
    return _keys_of(secret)


@lru_cache(maxsize=4)
def _keys_of(secret: bytes) -> ProvenanceKeys:
    # Every page load needs the scanner key; four HKDF runs per request were measurable there.
    return ProvenanceKeys(
        claim_pepper=_derive(secret, "trustledger/provenance/claim-codes"),
        scanner_key=_derive(secret, "trustledger/provenance/scanners"),
        sun=SunKeys(
            meta_read_key=_derive(secret, "trustledger/provenance/sun-meta-read", 16),
            file_read_master_key=_derive(secret, "trustledger/provenance/sun-file-read-master", 16),
        ),
    )
