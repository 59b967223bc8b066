"""Ad settlement: from priced events to committed roots, payouts, disputes and proofs.

The package exports only the encodings shared with CampaignEscrow (leaves, records,
attestations), which the ads pipeline imports too; the services are used by module, so
importing an encoding never pulls in the database, the mirror or the API::

    epoch        build_epoch: pricing, both trees, the attestation (pure)
    settle       one settle pass of a campaign: priced events, trees, commit in the outbox
    commit       commitSettlement into the outbox, signatures in signer order
    cosigning    epochs awaiting attesters besides the platform's; attesting: the API's side
    reconcile    undo epochs whose commit failed or that a challenge discarded
    keeper       mature roots past their window, expire challenges, push payouts
    payouts      what the matured root owes each publisher, with its proof
    disputes     challenges and auditor resolutions through the API
    proofs       an event's proof; verification: checking one against the chain
    service      passes with their own sessions (tasks, CLI, demo); tasks: Celery entry points
    views        API answers; demo: the `make demo` step
"""

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
from backend.settlement.leaf_hashing import EventLeafHasher, balance_leaf_hash
from backend.settlement.leaves import BalanceLeaf, EventLeaf
from backend.settlement.record import SettlementRecord

__all__ = [
    "DOMAIN_NAME",
    "DOMAIN_VERSION",
    "AttestationError",
    "BalanceLeaf",
    "EventLeaf",
    "EventLeafHasher",
    "SettlementAttestation",
    "SettlementRecord",
    "balance_leaf_hash",
    "digest",
    "recover_signer",
    "sign",
    "sign_all",
    "type_string",
    "typed_data",
]
