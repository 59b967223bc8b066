"""Deploy every contract in order, grant the initial roles, write the manifest.

Re-running against the same chain is safe: a contract whose manifest entry still has
code on chain is kept, every setup call first reads whether it is already in effect,
and the manifest is saved after each deployment, so a run cut short resumes where
it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.middleware import SignAndSendRawMiddlewareBuilder

from contracts import load_artifact
from contracts.deployment import DeployedContract, DeploymentManifest, ManifestError

# IParticipantRegistry.Role bit of the platform's attester.
ATTESTER_ROLE_BIT = 1 << 2
PLATFORM_KYC_SECONDS = 10 * 365 * 86_400


class DeployError(RuntimeError):
    """A deployment or setup transaction failed, or the manifest belongs to another chain."""


@dataclass
class DeployContext:
    w3: Web3
    admin: LocalAccount
    manifest: DeploymentManifest
    platform_fee_bps: int
    attester: str | None

    def contract(self, name: str) -> Contract:
        entry = self.manifest.contracts[name]
        return self.w3.eth.contract(address=entry.address, abi=load_artifact(entry.artifact).abi)


@dataclass(frozen=True)
class Step:
    name: str
    artifact: str
    args: Callable[[DeployContext], tuple]


TOKENS = (("TokenUSD", "Trust USD", "tUSD"), ("TokenEUR", "Trust EUR", "tEUR"))

PLAN: tuple[Step, ...] = (
    Step("ParticipantRegistry", "ParticipantRegistry", lambda c: (c.admin.address,)),
    *(Step(name, "SettlementToken", lambda c, n=label, s=symbol: (n, s, c.admin.address)) for name, label, symbol in TOKENS),
    Step("CampaignEscrow", "CampaignEscrow", lambda c: (c.manifest.address("ParticipantRegistry"),)),
    Step("ConsentRegistry", "ConsentRegistry", lambda c: (c.manifest.address("ParticipantRegistry"),)),
    Step("DIDRegistry", "DIDRegistry", lambda c: ()),
    Step("ProvenanceRegistry", "ProvenanceRegistry", lambda c: (c.manifest.address("ParticipantRegistry"),)),
    Step("AssetRegistry", "AssetRegistry", lambda c: (c.manifest.address("ParticipantRegistry"),)),
)


def _send(ctx: DeployContext, fn) -> dict:
    receipt = ctx.w3.eth.wait_for_transaction_receipt(fn.transact({"from": ctx.admin.address}), timeout=120)
    if receipt.status != 1:
        raise DeployError(f"transaction {receipt.transactionHash.hex()} reverted")
    return receipt


def _is_deployed(ctx: DeployContext, step: Step) -> bool:
    entry = ctx.manifest.contracts.get(step.name)
    return entry is not None and entry.artifact == step.artifact and len(ctx.w3.eth.get_code(entry.address)) > 0


def _deploy(ctx: DeployContext, step: Step) -> DeployedContract:
    artifact = load_artifact(step.artifact)
    factory = ctx.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    receipt = _send(ctx, factory.constructor(*step.args(ctx)))
    return DeployedContract(
        artifact=step.artifact,
        address=receipt.contractAddress,
        block=receipt.blockNumber,
        tx_hash=receipt.transactionHash.to_0x_hex(),
        abi_hash=artifact.abi_hash,
    )


# Bond a challenger posts (100 tokens of 6 decimals): enough to price spam, small beside a campaign budget.
CHALLENGE_BOND = 100 * 10**6


def _configure_tokens(ctx: DeployContext) -> None:
    escrow = ctx.contract("CampaignEscrow")
    wanted = (True, ctx.platform_fee_bps, CHALLENGE_BOND)
    for name, _label, _symbol in TOKENS:
        token = ctx.manifest.address(name)
        # tokenConfig returns the TokenConfig struct (allowed, feeBps, challengeBond) as one tuple.
        if tuple(escrow.functions.tokenConfig(token).call()) != wanted:
            _send(ctx, escrow.functions.setTokenConfig(token, *wanted))


def _grant_attester(ctx: DeployContext) -> None:
    if ctx.attester is None:
        return
    registry = ctx.contract("ParticipantRegistry")
    roles, _suspended, kyc_expiry = registry.functions.participant(ctx.attester).call()
    if roles & ATTESTER_ROLE_BIT == 0:
        _send(ctx, registry.functions.setRoles(ctx.attester, roles | ATTESTER_ROLE_BIT))
    now = ctx.w3.eth.get_block("latest")["timestamp"]
    if kyc_expiry <= now:
        _send(ctx, registry.functions.setKyc(ctx.attester, now + PLATFORM_KYC_SECONDS))


SETUP: tuple[Callable[[DeployContext], None], ...] = (_configure_tokens, _grant_attester)


def deploy_all(
    rpc_url: str,
    admin: LocalAccount,
    manifest_path: Path,
    *,
    platform_fee_bps: int = 250,
    attester: str | None = None,
    progress: Callable[[str], None] = lambda _message: None,
) -> DeploymentManifest:
    """Deploy what is missing on the chain at `rpc_url` and return the manifest."""
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 60}))
    w3.middleware_onion.inject(SignAndSendRawMiddlewareBuilder.build(admin), layer=0)
    chain_id = w3.eth.chain_id
    try:
        manifest = DeploymentManifest.load(manifest_path)
    except ManifestError:
        manifest = DeploymentManifest(chain_id=chain_id)
    if manifest.chain_id != chain_id:
        raise DeployError(
            f"{manifest_path} is for chain {manifest.chain_id}, the node at {rpc_url} is chain {chain_id}; "
            "use another manifest path"
        )
    ctx = DeployContext(w3, admin, manifest, platform_fee_bps, attester)
    for step in PLAN:
        if _is_deployed(ctx, step):
            progress(f"{step.name}: already at {manifest.address(step.name)}")
            continue
        manifest.contracts[step.name] = _deploy(ctx, step)
        manifest.save(manifest_path)
        progress(f"{step.name}: deployed at {manifest.address(step.name)}")
    for setup in SETUP:
        setup(ctx)
    manifest.save(manifest_path)
    return manifest
