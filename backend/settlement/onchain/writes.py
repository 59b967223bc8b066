"""Where settlement writes (the escrow in the manifest) and with which keys, and its outbox references.

The attester key (the platform's measurement service) only signs roots; every
transaction settlement sends itself (commitSettlement, matureSettlement, payout,
expireChallenge) goes from the relayer key, the platform's gas payer, because the
contract lets anyone submit them. Outbox rows carry a reference per purpose, so the
keeper can see what is already on its way before it queues more.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account import Account
from eth_account.signers.local import LocalAccount

from backend.core.config import Settings
from contracts.deployment import DeploymentManifest, ManifestError

ESCROW = "CampaignEscrow"
REGISTRY = "ParticipantRegistry"


class SettlementNotConfigured(RuntimeError):
    """No manifest with an escrow, or no attester or relayer key."""


@dataclass(frozen=True)
class SettlementChain:
    chain_id: int
    escrow: str
    registry: str
    attester: LocalAccount
    relayer: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "SettlementChain":
        try:
            manifest = DeploymentManifest.load(settings.manifest_path)
            escrow = manifest.address(ESCROW)
            registry = manifest.address(REGISTRY)
        except ManifestError as exc:
            raise SettlementNotConfigured(str(exc)) from exc
        if settings.attester_private_key is None:
            raise SettlementNotConfigured("TRUSTLEDGER_ATTESTER_PRIVATE_KEY is not set; roots cannot be signed")
        if settings.relayer_private_key is None:
            raise SettlementNotConfigured("TRUSTLEDGER_RELAYER_PRIVATE_KEY is not set; settlements cannot be sent")
        return cls(
            chain_id=manifest.chain_id,
            escrow=escrow,
            registry=registry,
            attester=Account.from_key(settings.attester_private_key.get_secret_value()),
            relayer=Account.from_key(settings.relayer_private_key.get_secret_value()).address,
        )


def commit_reference(settlement_id: int) -> str:
    return f"settlement:{settlement_id}"


def mature_reference(escrow: str, campaign_id: int) -> str:
    return f"mature:{escrow}:{campaign_id}"


def payout_reference(escrow: str, campaign_id: int, publisher: str) -> str:
    return f"payout:{escrow}:{campaign_id}:{publisher}"


def expire_reference(escrow: str, campaign_id: int) -> str:
    return f"expire:{escrow}:{campaign_id}"


def challenge_reference(escrow: str, campaign_id: int) -> str:
    return f"challenge:{escrow}:{campaign_id}"


def resolve_reference(escrow: str, campaign_id: int) -> str:
    return f"resolve:{escrow}:{campaign_id}"
