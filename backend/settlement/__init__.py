"""Ad settlement encodings shared with CampaignEscrow: Merkle leaves, per-epoch records, attestations."""

from backend.settlement.attestation import (
    DOMAIN_NAME,
    DOMAIN_VERSION,
    AttestationError,
    SettlementAttestation,
    digest,
    recover_signer,
    sign,
    sign_all,
    type_string,
    typed_data,
)
from backend.settlement.leaves import BalanceLeaf, EventLeaf
from backend.settlement.record import SettlementRecord

__all__ = [
    "DOMAIN_NAME",
    "DOMAIN_VERSION",
    "AttestationError",
    "BalanceLeaf",
    "EventLeaf",
    "SettlementAttestation",
    "SettlementRecord",
    "digest",
    "recover_signer",
    "sign",
    "sign_all",
    "type_string",
    "typed_data",
]
