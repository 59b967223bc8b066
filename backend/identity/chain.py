"""ParticipantRegistry calls that mirror identity changes on chain, queued on the outbox.

Every call is ABI-encoded locally (no RPC) and queued in the caller's transaction, so
the database change and its chain transaction commit together or not at all. The
admin key from settings signs them: it holds DEFAULT_ADMIN_ROLE and KYC_OFFICER_ROLE
on the registry since deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from eth_account import Account
from sqlmodel import Session
from web3 import Web3
from web3.contract import Contract

from backend.core.config import Settings
from backend.identity.ports import Enqueue
from backend.identity.roles import CHAIN_ROLES_MASK, Role
from contracts import load_artifact
from contracts.deployment import DeploymentManifest, ManifestError

REGISTRY = "ParticipantRegistry"
DEFAULT_ADMIN_ROLE = b"\x00" * 32
KYC_OFFICER_ROLE = Web3.keccak(text="KYC_OFFICER_ROLE")


class ChainNotConfigured(RuntimeError):
    """No deployment manifest, or no admin key to sign registry calls with."""


@dataclass(frozen=True)
class ChainTarget:
    chain_id: int
    registry: str
    admin: str  # address of the deployer/admin key that signs registry calls

    @classmethod
    def from_settings(cls, settings: Settings) -> "ChainTarget":
        try:
            manifest = DeploymentManifest.load(settings.manifest_path)
            registry = manifest.address(REGISTRY)
        except ManifestError as exc:
            raise ChainNotConfigured(str(exc)) from exc
        if settings.deployer_private_key is None:
            raise ChainNotConfigured("TRUSTLEDGER_DEPLOYER_PRIVATE_KEY is not set; registry calls cannot be signed")
        admin = Account.from_key(settings.deployer_private_key.get_secret_value()).address
        return cls(chain_id=manifest.chain_id, registry=registry, admin=admin)


def chain_id_from_manifest(settings: Settings) -> int:
    try:
        return DeploymentManifest.load(settings.manifest_path).chain_id
    except ManifestError as exc:
        raise ChainNotConfigured(str(exc)) from exc


@lru_cache(maxsize=1)
def _registry_encoder() -> Contract:
    return Web3().eth.contract(abi=load_artifact(REGISTRY).abi)


class RegistryWriter:
    """Queues ParticipantRegistry calls for one participant change; never sends or commits."""

    def __init__(self, target: ChainTarget, enqueue: Enqueue):
        self.target = target
        self._enqueue = enqueue

    def _queue(self, session: Session, function: str, args: list, reference: str) -> None:
        data = _registry_encoder().encode_abi(function, args=args)
        self._enqueue(
            session,
            sender=self.target.admin,
            to=self.target.registry,
            data=data,
            kind=f"{REGISTRY}.{function}",
            reference=reference,
        )

    def set_roles(self, session: Session, account: str, roles_mask: int, reference: str) -> None:
        """Business roles only; platform roles are AccessControl roles (`grant_platform_role`)."""
        self._queue(session, "setRoles", [account, roles_mask & CHAIN_ROLES_MASK], reference)

    def set_kyc(self, session: Session, account: str, expiry: int, reference: str) -> None:
        self._queue(session, "setKyc", [account, expiry], reference)

    def grant_platform_role(self, session: Session, account: str, role: Role, reference: str) -> None:
        role_id = {Role.ADMIN: DEFAULT_ADMIN_ROLE, Role.KYC_OFFICER: KYC_OFFICER_ROLE}[role]
        self._queue(session, "grantRole", [role_id, account], reference)

    def suspend(self, session: Session, account: str, reference: str) -> None:
        self._queue(session, "suspend", [account], reference)

    def unsuspend(self, session: Session, account: str, reference: str) -> None:
        self._queue(session, "unsuspend", [account], reference)
