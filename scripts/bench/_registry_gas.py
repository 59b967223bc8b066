"""Gas of a consent grant and of a provenance anchor, for ``contract_gas.py``.

Each measurement deploys what it needs on the given Web3 (anvil: unlocked accounts,
deployer ``w3.eth.accounts[0]``) and returns the gas used by the measured transaction,
relayed by a third account as the API's sender would.
"""

from __future__ import annotations

from eth_account import Account
from web3 import Web3
from web3.contract import Contract

from backend import consent as consent_messages
from backend.provenance import build_anchor
from contracts import load_artifact

_ADVERTISER, _BRAND, _SUPPLY_CHAIN_ACTOR = 0, 3, 4  # IParticipantRegistry.Role
_YEAR = 365 * 86_400
_ANCHORED_EVENTS = 256


def measure_grant_gas(w3: Web3) -> int:
    """A pairwise subject's first grant against a funded offer: accrues the compensation."""
    deployer, advertiser, relayer = w3.eth.accounts[:3]
    registry = _deploy(w3, "ParticipantRegistry", deployer, deployer)
    token = _deploy(w3, "SettlementToken", deployer, "Bench USD", "bUSD", deployer)
    consents = _deploy(w3, "ConsentRegistry", deployer, registry.address)
    _onboard(w3, registry, deployer, advertiser, _ADVERTISER)
    compensation, cap = 2_500_000, 1_000
    _send(token.functions.mint(advertiser, compensation * cap), deployer)
    _send(token.functions.approve(consents.address, compensation * cap), advertiser)
    purpose = consent_messages.purpose_hash("dpv:PersonalisedAdvertising")
    categories = consent_messages.data_categories_hash(["age-band", "country", "interests"])
    _send(consents.functions.publishOffer(purpose, categories, token.address, compensation, cap, 30 * 86_400), advertiser)

    subject = Account.create()
    now = w3.eth.get_block("latest")["timestamp"]
    consent = consent_messages.Consent(
        subject=subject.address,
        grantee=advertiser,
        offer_id=1,
        purpose=purpose,
        data_categories_hash=categories,
        expiry=now + _YEAR,
        compensation=compensation,
        nonce=consent_messages.new_nonce(),
        deadline=now + 3_600,
    )
    signature = consent_messages.sign(consent, subject.key, w3.eth.chain_id, consents.address)
    receipt = _send(consents.functions.grant(consent.values(), signature), relayer)
    assert consents.functions.rewardsOf(subject.address, token.address).call() == compensation
    return receipt.gasUsed


def measure_anchor_gas(w3: Web3) -> int:
    """An authorised actor's signed batch of 256 event hashes, submitted by a relayer."""
    deployer, brand, relayer = w3.eth.accounts[:3]
    registry = _deploy(w3, "ParticipantRegistry", deployer, deployer)
    provenance = _deploy(w3, "ProvenanceRegistry", deployer, registry.address)
    actor = Account.create()
    _onboard(w3, registry, deployer, brand, _BRAND)
    _onboard(w3, registry, deployer, actor.address, _SUPPLY_CHAIN_ACTOR)
    _send(provenance.functions.authoriseActor(actor.address), brand)

    now = w3.eth.get_block("latest")["timestamp"]
    anchor = build_anchor(
        actor_key=actor.key,
        brand=brand,
        event_hashes=[Web3.keccak(i.to_bytes(32, "big")) for i in range(_ANCHORED_EVENTS)],
        document_cid=bytes.fromhex("01551220") + Web3.keccak(b"batch document"),  # CIDv1 raw sha2-256 shape
        nonce=1,
        deadline=now + 3_600,
        chain_id=w3.eth.chain_id,
        registry_address=provenance.address,
    )
    receipt = _send(provenance.functions.anchorEvents(anchor.batch.values(), anchor.signature), relayer)
    assert provenance.functions.eventAnchor(anchor.batch_id).call()[0] == anchor.tree.root
    return receipt.gasUsed


def _deploy(w3: Web3, name: str, sender: str, *args) -> Contract:
    artifact = load_artifact(name)
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor(*args).transact({"from": sender}))
    if receipt.status != 1:
        raise RuntimeError(f"deploying {name} failed")
    return w3.eth.contract(address=receipt.contractAddress, abi=artifact.abi)


def _send(call, sender: str):
    receipt = call.w3.eth.wait_for_transaction_receipt(call.transact({"from": sender}))
    if receipt.status != 1:
        raise RuntimeError(f"{call.fn_name} reverted")
    return receipt


def _onboard(w3: Web3, registry: Contract, admin: str, account: str, role: int) -> None:
    _send(registry.functions.setRoles(account, 1 << role), admin)
    _send(registry.functions.setKyc(account, w3.eth.get_block("latest")["timestamp"] + _YEAR), admin)
