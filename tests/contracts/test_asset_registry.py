"""AssetRegistry: the first registrant of a content hash keeps it; only active participants register."""

import hashlib

import pytest
from web3.logs import DISCARD

from contracts import load_artifact
from tests.factories import DAY, Role, assert_reverts, deploy, increase_time, onboard, transact

CREATIVE = b"<svg>banner 300x250, spring campaign</svg>"
CONTENT_HASH = hashlib.sha256(CREATIVE).digest()
CID = bytes.fromhex("01551220") + CONTENT_HASH  # CIDv1, raw codec, sha2-256 multihash


@pytest.fixture
def assets(w3, registry):
    return deploy(w3, "AssetRegistry", registry.address)


@pytest.fixture
def advertiser(registry, accounts):
    onboard(registry, accounts[1], Role.ADVERTISER)
    return accounts[1]


def test_register_records_owner_time_and_cid(w3, assets, advertiser):
    receipt = transact(assets.functions.registerAsset(CONTENT_HASH, CID), advertiser)
    registered_at = w3.eth.get_block(receipt.blockNumber)["timestamp"]
    (event,) = assets.events.AssetRegistered().process_receipt(receipt, errors=DISCARD)
    assert (event.args.contentHash, event.args.owner, event.args.registeredAt, event.args.cid) == (
        CONTENT_HASH, advertiser, registered_at, CID,
    )
    assert assets.functions.asset(CONTENT_HASH).call() == (advertiser, registered_at, CID)
    assert assets.functions.asset(b"\x01" * 32).call()[0] == "0x" + "00" * 20


def test_first_registrant_keeps_the_hash(w3, registry, assets, advertiser, accounts):
    transact(assets.functions.registerAsset(CONTENT_HASH, CID), advertiser)
    copier = accounts[2]
    onboard(registry, copier, Role.PUBLISHER)
    for sender in (copier, advertiser):
        call = assets.functions.registerAsset(CONTENT_HASH, CID + b"\x00")
        assert assert_reverts(call, sender, assets, "AssetRegistryAlreadyRegistered") == (
            CONTENT_HASH, advertiser.lower(),
        )
    assert assets.functions.asset(CONTENT_HASH).call()[0] == advertiser
    other = hashlib.sha256(b"another creative").digest()
    transact(assets.functions.registerAsset(other, bytes.fromhex("01551220") + other), copier)
    assert assets.functions.asset(other).call()[0] == copier


@pytest.mark.parametrize("standing", ["no role", "suspended", "kyc expired"])
def test_only_active_participants_register(w3, registry, assets, accounts, admin, standing):
    account = accounts[3]
    if standing == "suspended":
        onboard(registry, account, Role.BRAND)
        transact(registry.functions.suspend(account), admin)
    elif standing == "kyc expired":
        onboard(registry, account, Role.ADVERTISER, kyc_days=1)
        increase_time(w3, DAY + 1)
    call = assets.functions.registerAsset(CONTENT_HASH, CID)
    assert assert_reverts(call, account, assets, "AssetRegistryNotParticipant") == (account.lower(),)


def test_empty_hash_or_cid_is_refused(assets, advertiser):
    call = assets.functions.registerAsset(b"\x00" * 32, CID)
    assert assert_reverts(call, advertiser, assets, "AssetRegistryEmptyAsset") == (b"\x00" * 32, len(CID))
    call = assets.functions.registerAsset(CONTENT_HASH, b"")
    assert assert_reverts(call, advertiser, assets, "AssetRegistryEmptyAsset") == (CONTENT_HASH, 0)


def test_constructor_refuses_zero_registry(w3, admin):
    artifact = load_artifact("AssetRegistry")
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    assert_reverts(factory.constructor("0x" + "00" * 20), admin, factory, "AssetRegistryZeroAddress")
