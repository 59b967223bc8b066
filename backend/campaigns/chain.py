"""Where the campaign contracts are, and their calls ABI-encoded locally (no RPC).

The deployment manifest names the escrow and the settlement tokens (``deploy.TOKENS``:
manifest name, token name, symbol); the deployer key from settings is the tokens'
issuer and an escrow admin, the attester key the platform's measurement service.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from eth_abi.exceptions import DecodingError
from eth_account import Account
from web3 import Web3
from web3.contract import Contract

from backend.chain.deploy import TOKENS
from backend.core.config import Settings
from backend.identity.chain import ChainNotConfigured
from contracts import load_artifact
from contracts.deployment import DeploymentManifest, ManifestError

ESCROW = "CampaignEscrow"
REGISTRY = "ParticipantRegistry"
# SettlementToken's decimals (fixed in the contract).
TOKEN_DECIMALS = 6


@dataclass(frozen=True)
class TokenEntry:
    symbol: str
    name: str
    address: str


def deployed_tokens(settings: Settings) -> list[TokenEntry]:
    """The settlement tokens in the manifest (none when there is no manifest yet)."""
    try:
        manifest = DeploymentManifest.load(settings.manifest_path)
    except ManifestError:
        return []
    return [
        TokenEntry(symbol=symbol, name=name, address=manifest.contracts[key].address)
        for key, name, symbol in TOKENS
        if key in manifest.contracts
    ]


def find_token(tokens: list[TokenEntry], wanted: str) -> TokenEntry | None:
    """A token by symbol (case-insensitive) or by address."""
    for token in tokens:
        if wanted.lower() in (token.symbol.lower(), token.address.lower()):
            return token
    return None


@dataclass(frozen=True)
class EscrowTarget:
    chain_id: int
    escrow: str
    registry: str
    tokens: tuple[TokenEntry, ...]
    admin: str  # deployer: token issuer and escrow admin
    attester: str | None  # the platform's attester, the default of every campaign

    @classmethod
    def from_settings(cls, settings: Settings) -> "EscrowTarget":
        try:
            manifest = DeploymentManifest.load(settings.manifest_path)
            escrow = manifest.address(ESCROW)
            registry = manifest.address(REGISTRY)
        except ManifestError as exc:
            raise ChainNotConfigured(str(exc)) from exc
        if settings.deployer_private_key is None:
            raise ChainNotConfigured(
                "TRUSTLEDGER_DEPLOYER_PRIVATE_KEY is not set; token and escrow admin calls cannot be signed"
            )
        attester = settings.attester_private_key
        return cls(
            chain_id=manifest.chain_id,
            escrow=escrow,
            registry=registry,
            tokens=tuple(deployed_tokens(settings)),
            admin=Account.from_key(settings.deployer_private_key.get_secret_value()).address,
            attester=Account.from_key(attester.get_secret_value()).address if attester is not None else None,
        )


@lru_cache(maxsize=2)
def _encoder(artifact: str) -> Contract:
    return Web3().eth.contract(abi=load_artifact(artifact).abi)


def escrow_call(function: str, *args) -> bytes:
    return bytes(Web3.to_bytes(hexstr=_encoder(ESCROW).encode_abi(function, args=list(args))))


def token_call(function: str, *args) -> bytes:
    return bytes(Web3.to_bytes(hexstr=_encoder("SettlementToken").encode_abi(function, args=list(args))))


def decode_escrow_call(data: bytes) -> tuple[str, dict] | None:
    """(function name, arguments) of escrow calldata, or None when it is no escrow function."""
    try:
        function, args = _encoder(ESCROW).decode_function_input(data)
    except (ValueError, DecodingError):
        return None
    return function.fn_name, dict(args)
