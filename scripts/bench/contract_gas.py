"""Gas of the contracts' hot paths, measured on a fresh anvil; prints `name: N gas` lines.

- commit_gas: CampaignEscrow.commitSettlement, a campaign's second commit, one attester signature;
- payout_first_gas: a publisher's first payout (it holds none of the token yet), 10-level proof
  in a balance tree of 1,024 publishers;
- grant_gas / anchor_gas: ConsentRegistry grant and ProvenanceRegistry batch anchor (from
  ``_registry_gas``, when present);
- payout_gas (last line): the same publisher's next payout.

``GOALS`` are the ceilings the tests hold these figures to.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from eth_account import Account  # noqa: E402
from web3 import Web3  # noqa: E402

from backend.chain.local_node import LocalNode, dev_private_keys  # noqa: E402
from backend.proofs.merkle import MerkleTree  # noqa: E402
from backend.settlement.encoding.attestation import SettlementAttestation, sign_all  # noqa: E402
from backend.settlement.encoding.leaves import BalanceLeaf  # noqa: E402
from backend.settlement.encoding.record import SettlementRecord  # noqa: E402
from contracts import load_artifact  # noqa: E402

try:
    import _registry_gas
except ModuleNotFoundError as missing:
    if missing.name != "_registry_gas":
        raise
    _registry_gas = None

GOALS = {"commit_gas": 90_000, "payout_first_gas": 110_000, "payout_gas": 75_000}

_ADVERTISER, _PUBLISHER, _ATTESTER = 0, 1, 2  # IParticipantRegistry.Role
_YEAR = 365 * 86_400
_WINDOW = 3_600
_PUBLISHERS = 1_024
_UNIT = 10**6


def measure_escrow_gas(w3: Web3) -> dict[str, int]:
    """commit_gas, payout_first_gas and payout_gas of one campaign with 1,024 publishers."""
    deployer, advertiser, attester, relayer = w3.eth.accounts[:4]
    attester_key = dev_private_keys(4)[2]
    publisher = Account.create().address  # holds nothing, not even gas: anyone may push its payout
    others = [Account.create().address for _ in range(_PUBLISHERS - 1)]

    registry = _deploy(w3, "ParticipantRegistry", deployer, deployer)
    token = _deploy(w3, "SettlementToken", deployer, "Bench USD", "bUSD", deployer)
    escrow = _deploy(w3, "CampaignEscrow", deployer, registry.address)
    _send(escrow.functions.setTokenConfig(token.address, True, 250, 100 * _UNIT), deployer)
    for account, role in ((advertiser, _ADVERTISER), (attester, _ATTESTER), (publisher, _PUBLISHER)):
        _send(registry.functions.setRoles(account, 1 << role), deployer)
        _send(registry.functions.setKyc(account, _now(w3) + _YEAR), deployer)

    budget = 1_000_000 * _UNIT
    _send(token.functions.mint(advertiser, budget), deployer)
    _send(token.functions.approve(escrow.address, budget), advertiser)
    create = escrow.functions.createCampaign(
        token.address, b"\x11" * 32, [attester], 1, "0x" + "00" * 20, _WINDOW, _now(w3) + 30 * 86_400
    )
    _send(create, advertiser)
    campaign_id = escrow.functions.campaignCount().call()
    _send(escrow.functions.fund(campaign_id, budget), advertiser)

    epoch = _now(w3) // 30  # the backend's 30-second epochs: realistic calldata
    earned = {address: 1_000 + index * 7 for index, address in enumerate(others)}

    def commit(epoch: int, publisher_earned: int) -> tuple[int, SettlementRecord, MerkleTree]:
        earned[publisher] = publisher_earned
        tree = MerkleTree([BalanceLeaf(campaign_id, a, amount).hash() for a, amount in earned.items()])
        spent = sum(earned.values())
        revision = _campaign_field(escrow, campaign_id, "revision")
        attestation = SettlementAttestation(
            campaign_id, epoch, secrets.token_bytes(32), tree.root, spent, 48_211, revision
        )
        signatures = sign_all(attestation, [attester_key], w3.eth.chain_id, escrow.address)
        receipt = _send(escrow.functions.commitSettlement(*attestation.commit_args(signatures)), relayer)
        committed_at = w3.eth.get_block(receipt.blockNumber)["timestamp"]
        record = SettlementRecord(attestation.events_root, tree.root, spent, committed_at, revision)
        return receipt.gasUsed, record, tree

    def mature_and_pay(epoch: int, record: SettlementRecord, tree: MerkleTree) -> int:
        _advance(w3, _WINDOW)
        _send(escrow.functions.matureSettlement(campaign_id, epoch, record.as_tuple()), relayer)
        proof = tree.proof(BalanceLeaf(campaign_id, publisher, earned[publisher]).hash())
        assert len(proof) == 10
        receipt = _send(escrow.functions.payout(campaign_id, publisher, earned[publisher], proof), relayer)
        return receipt.gasUsed

    commit(epoch, 1_250_000)
    commit_gas, record, tree = commit(epoch + 1, 2_731_450)
    payout_first_gas = mature_and_pay(epoch + 1, record, tree)
    _, record, tree = commit(epoch + 2, 3_904_870)
    payout_gas = mature_and_pay(epoch + 2, record, tree)
    return {"commit_gas": commit_gas, "payout_first_gas": payout_first_gas, "payout_gas": payout_gas}


def measure_all(w3: Web3) -> dict[str, int]:
    """Every figure, in print order (payout_gas last); grant/anchor only when ``_registry_gas`` exists."""
    escrow = measure_escrow_gas(w3)
    figures = {"commit_gas": escrow["commit_gas"], "payout_first_gas": escrow["payout_first_gas"]}
    if _registry_gas is not None:
        figures["grant_gas"] = _registry_gas.measure_grant_gas(w3)
        figures["anchor_gas"] = _registry_gas.measure_anchor_gas(w3)
    figures["payout_gas"] = escrow["payout_gas"]
    return figures


def _deploy(w3: Web3, name: str, sender: str, *args):
    artifact = load_artifact(name)
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor(*args).transact({"from": sender}))
    return w3.eth.contract(address=receipt.contractAddress, abi=artifact.abi)


def _send(fn, sender: str):
    receipt = fn.w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender}))
    if receipt.status != 1:
        raise RuntimeError(f"{fn.fn_name} failed")
    return receipt


def _campaign_field(escrow, campaign_id: int, name: str):
    (item,) = [i for i in escrow.abi if i.get("name") == "campaign" and i["type"] == "function"]
    names = [component["name"] for component in item["outputs"][0]["components"]]
    return escrow.functions.campaign(campaign_id).call()[names.index(name)]


def _now(w3: Web3) -> int:
    return w3.eth.get_block("latest")["timestamp"]


def _advance(w3: Web3, seconds: int) -> None:
    w3.provider.make_request("evm_increaseTime", [seconds])
    w3.provider.make_request("evm_mine", [])


def main() -> None:
    with LocalNode() as node:
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 60}))
        for name, gas in measure_all(w3).items():
            print(f"{name}: {gas} gas")


if __name__ == "__main__":
    main()
