"""Where consent lives on chain (from the deployment manifest) and the calls the API queues there.

Every call is ABI-encoded locally and queued on the outbox in the caller's database
transaction (see ``backend.chain.outbox``). Consumers' signed messages (grant,
withdrawal, sweep) are relayed by the platform's relayer key, so consumers never hold
gas; an advertiser's offer calls (approve, publishOffer, closeOffer) are sent from its
custodial key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from eth_account import Account
from eth_utils import to_checksum_address
from sqlmodel import Session
from web3 import Web3
from web3.contract import Contract

from backend.chain.deploy import TOKENS
from backend.consent.errors import RelayerNotConfigured
from backend.consent.typed_data import Consent, Sweep, Withdrawal
from backend.core.config import Settings
from backend.identity.chain import ChainNotConfigured
from backend.identity.ports import Enqueue
from contracts import load_artifact
from contracts.deployment import DeploymentManifest, ManifestError

REGISTRY = "ConsentRegistry"
DID_REGISTRY = "DIDRegistry"
TOKEN_ARTIFACT = "SettlementToken"
_TOKEN_NAMES_BY_SYMBOL = {symbol: name for name, _label, symbol in TOKENS}


@dataclass(frozen=True)
class ConsentDeployment:
    chain_id: int
    registry: str
    did_registry: str | None
    tokens: dict[str, str] = field(default_factory=dict)  # deployment name -> address

    @classmethod
    def from_settings(cls, settings: Settings) -> "ConsentDeployment":
        path = Path(settings.manifest_path)
        try:
            return _deployment(str(path), path.stat().st_mtime_ns)
        except FileNotFoundError:
            raise ChainNotConfigured(f"{path}: no deployment manifest; run `trustledger deploy` first") from None

    def token(self, name_or_address: str) -> str:
        """A token of the manifest by symbol (``tUSD``), deployment name (``TokenUSD``) or address."""
        name = _TOKEN_NAMES_BY_SYMBOL.get(name_or_address, name_or_address)
        if name in self.tokens:
            return self.tokens[name]
        try:
            address = to_checksum_address(name_or_address)
        except ValueError:
            raise KeyError(name_or_address) from None
        if address not in self.tokens.values():
            raise KeyError(name_or_address)
        return address


@lru_cache(maxsize=4)
def _deployment(path: str, _mtime_ns: int) -> ConsentDeployment:
    # Keyed by modification time: a redeploy rewrites the manifest and is picked up at once.
    try:
        manifest = DeploymentManifest.load(Path(path))
        registry = manifest.address(REGISTRY)
    except ManifestError as exc:
        raise ChainNotConfigured(str(exc)) from exc
    did_entry = manifest.contracts.get(DID_REGISTRY)
    tokens = {name: entry.address for name, entry in manifest.contracts.items() if entry.artifact == TOKEN_ARTIFACT}
    return ConsentDeployment(
        chain_id=manifest.chain_id,
        registry=to_checksum_address(registry),
        did_registry=to_checksum_address(did_entry.address) if did_entry else None,
        tokens={name: to_checksum_address(address) for name, address in tokens.items()},
    )


@lru_cache(maxsize=1)
def registry_abi_contract() -> Contract:
    return Web3().eth.contract(abi=load_artifact(REGISTRY).abi)


@lru_cache(maxsize=1)
def _token_encoder() -> Contract:
    return Web3().eth.contract(abi=load_artifact(TOKEN_ARTIFACT).abi)


def relayer_address(settings: Settings) -> str | None:
    """The relayer key's address (it sends consumers' signed messages), or None when not configured."""
    if settings.relayer_private_key is None:
        return None
    return Account.from_key(settings.relayer_private_key.get_secret_value()).address


class ConsentWriter:
    """Queues ConsentRegistry calls; never sends or commits."""

    def __init__(self, deployment: ConsentDeployment, enqueue: Enqueue, relayer: str | None):
        self.deployment = deployment
        self._enqueue = enqueue
        self.relayer = relayer

    def _registry_call(self, session: Session, sender: str, function: str, args: list, reference: str):
        return self._enqueue(
            session,
            sender=sender,
            to=self.deployment.registry,
            data=registry_abi_contract().encode_abi(function, args=args),
            kind=f"{REGISTRY}.{function}",
            reference=reference,
        )

    def _relay(self, session: Session, function: str, args: list, reference: str):
        if self.relayer is None:
            raise RelayerNotConfigured("TRUSTLEDGER_RELAYER_PRIVATE_KEY is not set")
        return self._registry_call(session, self.relayer, function, args, reference)

    def grant(self, session: Session, consent: Consent, signature: bytes, consent_id: str):
        return self._relay(session, "grant", [consent.values(), signature], grant_reference(consent_id))

    def withdraw(self, session: Session, withdrawal: Withdrawal, signature: bytes):
        consent_id = "0x" + withdrawal.consent_id.hex()
        return self._relay(session, "withdraw", [withdrawal.values(), signature], withdrawal_reference(consent_id))

    def sweep(self, session: Session, request: Sweep, signature: bytes):
        return self._relay(session, "sweep", [request.values(), signature], sweep_reference(request))

    def approve(self, session: Session, advertiser: str, token: str, amount: int, reference: str):
        return self._enqueue(
            session,
            sender=advertiser,
            to=token,
            data=_token_encoder().encode_abi("approve", args=[self.deployment.registry, amount]),
            kind=f"{TOKEN_ARTIFACT}.approve",
            reference=reference,
        )

    def publish_offer(
        self,
        session: Session,
        advertiser: str,
        *,
        purpose: bytes,
        data_categories_hash: bytes,
        token: str,
        compensation: int,
        cap: int,
        period_seconds: int,
        reference: str,
    ):
        args = [purpose, data_categories_hash, token, compensation, cap, period_seconds]
        return self._registry_call(session, advertiser, "publishOffer", args, reference)

    def close_offer(self, session: Session, advertiser: str, offer_id: int):
        return self._registry_call(session, advertiser, "closeOffer", [offer_id], f"consent-offer-close:{offer_id}")


def grant_reference(consent_id: str) -> str:
    return f"consent-grant:{consent_id}"


def withdrawal_reference(consent_id: str) -> str:
    return f"consent-withdraw:{consent_id}"


def sweep_reference(request: Sweep) -> str:
    return f"consent-sweep:{to_checksum_address(request.subject)}:{to_checksum_address(request.token)}:{request.nonce}"
