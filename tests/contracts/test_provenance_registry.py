"""ProvenanceRegistry: products, serial batches, authorised actors, signed anchors, custody, recalls."""

from dataclasses import replace

import pytest
from eth_account import Account
from eth_utils import keccak, to_checksum_address
from web3.exceptions import ContractCustomError
from web3.logs import DISCARD

from backend.chain.local_node import dev_private_keys
from backend.proofs.merkle import MerkleTree, hash_leaf
from backend.provenance import (
    DOMAIN_NAME,
    EVENT_BATCH_TYPE,
    EventBatch,
    batch_id,
    build_anchor,
    event_leaf,
    sign_event_batch,
)
from contracts import load_artifact
from tests.factories import DAY, Role, assert_reverts, deploy, increase_time, now, onboard, revert_name, transact

GTIN = 4006381333931  # GTIN-14 04006381333931, check digit 1
OTHER_GTIN = 9506000134352
CID = bytes.fromhex("01551220") + keccak(b"metadata")


@pytest.fixture
def provenance(w3, registry):
    return deploy(w3, "ProvenanceRegistry", registry.address)


@pytest.fixture
def brand(registry, accounts):
    onboard(registry, accounts[1], Role.BRAND)
    return accounts[1]


@pytest.fixture
def actor(registry, accounts) -> Account:
    """accounts[2] with its key: it signs anchors and sends custody transfers itself."""
    onboard(registry, accounts[2], Role.SUPPLY_CHAIN_ACTOR)
    return Account.from_key(dev_private_keys(3)[2])


@pytest.fixture
def authorised(provenance, brand, actor):
    transact(provenance.functions.authoriseActor(actor.address), brand)
    return actor


@pytest.fixture
def relayer(accounts):
    return accounts[9]


def event_hashes(count: int, tag: str = "") -> list[bytes]:
    return [keccak(text=f"epcis event {tag}{i}") for i in range(count)]


def anchor_for(w3, provenance, actor_key, brand, hashes, **changes):
    return build_anchor(
        actor_key=actor_key,
        brand=brand,
        event_hashes=hashes,
        document_cid=changes.pop("document_cid", CID),
        nonce=changes.pop("nonce", 1),
        deadline=changes.pop("deadline", now(w3) + 3_600),
        chain_id=changes.pop("chain_id", w3.eth.chain_id),
        registry_address=changes.pop("registry_address", provenance.address),
    )


def serial_leaf(gtin: int, serial: str) -> bytes:
    return hash_leaf(["uint256", "bytes32"], [gtin, keccak(text=serial)])


def test_python_batch_hashes_like_the_contract(w3, provenance):
    assert provenance.functions.EVENT_BATCH_TYPEHASH().call() == keccak(text=EVENT_BATCH_TYPE)
    _, name, version, chain_id, contract, _, _ = provenance.functions.eip712Domain().call()
    assert (name, version, chain_id, contract) == (DOMAIN_NAME, "1", w3.eth.chain_id, provenance.address)


def test_anchor_helpers_refuse_bad_input(w3, provenance, brand):
    key = Account.create()
    with pytest.raises(ValueError, match="twice"):
        anchor_for(w3, provenance, key.key, brand, [b"\x01" * 32, b"\x01" * 32])
    with pytest.raises(ValueError, match="32 bytes"):
        event_leaf(b"\x01" * 31)
    batch = EventBatch(key.address, brand, b"\x02" * 32, 1, CID, 1, 0)
    with pytest.raises(ValueError, match="cannot sign"):
        sign_event_batch(batch, Account.create().key, w3.eth.chain_id, provenance.address)


# --- products and serials ---------------------------------------------------------------------------


def test_brand_registers_a_product_class(provenance, brand):
    receipt = transact(provenance.functions.registerProductClass(GTIN, CID), brand)
    (event,) = provenance.events.ProductClassRegistered().process_receipt(receipt, errors=DISCARD)
    assert (event.args.gtin, event.args.brand, event.args.metadataCid) == (GTIN, brand, CID)
    assert provenance.functions.productClass(GTIN).call() == (brand, False)


@pytest.mark.parametrize("gtin", [GTIN + 1, 0, 10**14 + GTIN, 2**256 - 1])
def test_invalid_gtins_are_refused(provenance, brand, gtin):
    call = provenance.functions.registerProductClass(gtin, CID)
    assert assert_reverts(call, brand, provenance, "ProvenanceRegistryInvalidGtin") == (gtin,)


def test_a_gtin_belongs_to_its_first_brand(registry, provenance, brand, accounts):
    transact(provenance.functions.registerProductClass(GTIN, CID), brand)
    rival = accounts[4]
    onboard(registry, rival, Role.BRAND)
    call = provenance.functions.registerProductClass(GTIN, CID)
    assert assert_reverts(call, rival, provenance, "ProvenanceRegistryProductClassExists") == (GTIN, brand.lower())


@pytest.mark.parametrize("standing", ["no role", "actor role", "suspended", "kyc expired"])
def test_only_an_active_brand_registers(w3, registry, provenance, accounts, admin, standing):
    account = accounts[4]
    if standing == "actor role":
        onboard(registry, account, Role.SUPPLY_CHAIN_ACTOR)
    elif standing == "suspended":
        onboard(registry, account, Role.BRAND)
        transact(registry.functions.suspend(account), admin)
    elif standing == "kyc expired":
        onboard(registry, account, Role.BRAND, kyc_days=1)
        increase_time(w3, DAY + 1)
    call = provenance.functions.registerProductClass(GTIN, CID)
    assert assert_reverts(call, account, provenance, "ProvenanceRegistryNotBrand") == (account.lower(),)


def test_serials_are_one_root_per_batch(provenance, brand):
    transact(provenance.functions.registerProductClass(GTIN, CID), brand)
    serials = [f"SN{i:05d}" for i in range(10)]
    tree = MerkleTree([serial_leaf(GTIN, serial) for serial in serials])
    receipt = transact(provenance.functions.registerSerialBatch(GTIN, tree.root, len(serials), CID), brand)
    (event,) = provenance.events.SerialBatchRegistered().process_receipt(receipt, errors=DISCARD)
    assert (event.args.serialBatchId, event.args.gtin, event.args.brand) == (1, GTIN, brand)
    assert (event.args.serialsRoot, event.args.serialCount, event.args.metadataCid) == (tree.root, 10, CID)
    assert provenance.functions.serialBatch(1).call() == (tree.root, GTIN, 10, False)
    for serial in (serials[0], serials[7]):
        proof = tree.proof(serial_leaf(GTIN, serial))
        assert provenance.functions.verifySerial(1, keccak(text=serial), proof).call()
    proof = tree.proof(serial_leaf(GTIN, serials[0]))
    assert not provenance.functions.verifySerial(1, keccak(text="SN99999"), proof).call()
    assert not provenance.functions.verifySerial(2, keccak(text=serials[0]), proof).call(), "unknown batch"


def test_serial_batch_refusals(registry, provenance, brand, accounts, admin):
    root = b"\x05" * 32
    register = provenance.functions.registerSerialBatch
    assert_reverts(register(GTIN, root, 1, CID), brand, provenance, "ProvenanceRegistryUnknownProductClass")
    transact(provenance.functions.registerProductClass(GTIN, CID), brand)
    assert_reverts(register(GTIN, b"\x00" * 32, 1, CID), brand, provenance, "ProvenanceRegistryEmptyBatch")
    assert_reverts(register(GTIN, root, 0, CID), brand, provenance, "ProvenanceRegistryEmptyBatch")
    rival = accounts[4]
    onboard(registry, rival, Role.BRAND)
    assert assert_reverts(register(GTIN, root, 1, CID), rival, provenance, "ProvenanceRegistryNotProductBrand") == (
        GTIN, rival.lower(),
    )
    transact(registry.functions.suspend(brand), admin)
    assert_reverts(register(GTIN, root, 1, CID), brand, provenance, "ProvenanceRegistryNotBrand")


# --- actors ------------------------------------------------------------------------------------------


def test_brand_authorises_and_revokes_actors(provenance, brand, actor):
    receipt = transact(provenance.functions.authoriseActor(actor.address), brand)
    (event,) = provenance.events.ActorAuthorised().process_receipt(receipt, errors=DISCARD)
    assert (event.args.brand, event.args.actor) == (brand, actor.address)
    assert provenance.functions.isAuthorised(brand, actor.address).call()
    call = provenance.functions.authoriseActor(actor.address)
    assert_reverts(call, brand, provenance, "ProvenanceRegistryAlreadyAuthorised")

    receipt = transact(provenance.functions.revokeActor(actor.address), brand)
    (event,) = provenance.events.ActorRevoked().process_receipt(receipt, errors=DISCARD)
    assert (event.args.brand, event.args.actor) == (brand, actor.address)
    assert not provenance.functions.isAuthorised(brand, actor.address).call()
    call = provenance.functions.revokeActor(actor.address)
    assert_reverts(call, brand, provenance, "ProvenanceRegistryActorNotAuthorised")


def test_authorisation_refusals(registry, provenance, brand, actor, accounts, admin):
    assert_reverts(provenance.functions.authoriseActor(actor.address), accounts[5], provenance, "ProvenanceRegistryNotBrand")
    not_an_actor = accounts[5]
    onboard(registry, not_an_actor, Role.PUBLISHER)
    call = provenance.functions.authoriseActor(not_an_actor)
    assert assert_reverts(call, brand, provenance, "ProvenanceRegistryNotSupplyChainActor") == (not_an_actor.lower(),)
    transact(registry.functions.suspend(actor.address), admin)
    call = provenance.functions.authoriseActor(actor.address)
    assert_reverts(call, brand, provenance, "ProvenanceRegistryNotSupplyChainActor")


# --- anchors -----------------------------------------------------------------------------------------


def test_signed_batch_is_anchored_by_a_relayer(w3, provenance, brand, authorised, relayer):
    hashes = event_hashes(5)
    anchor = anchor_for(w3, provenance, authorised.key, brand, hashes, nonce=42)
    assert anchor.batch_id == batch_id(anchor.batch, w3.eth.chain_id, provenance.address)
    call = provenance.functions.anchorEvents(anchor.batch.values(), anchor.signature)
    assert call.call({"from": relayer}) == anchor.batch_id
    receipt = transact(call, relayer)
    (event,) = provenance.events.EventsAnchored().process_receipt(receipt, errors=DISCARD)
    assert (event.args.batchId, event.args.actor, event.args.brand) == (anchor.batch_id, authorised.address, brand)
    assert (event.args.eventsRoot, event.args.eventCount) == (anchor.tree.root, 5)
    assert (event.args.documentCid, event.args.nonce) == (CID, 42)
    block_time = w3.eth.get_block(receipt.blockNumber)["timestamp"]
    assert provenance.functions.eventAnchor(anchor.batch_id).call() == (
        anchor.tree.root, authorised.address, 5, block_time,
    )

    verify = provenance.functions.verifyEventAnchor
    for event_hash in hashes:
        assert verify(anchor.batch_id, event_hash, anchor.tree.proof(event_leaf(event_hash))).call()
    proof = anchor.tree.proof(event_leaf(hashes[0]))
    assert not verify(anchor.batch_id, keccak(text="never recorded"), proof).call()
    assert not verify(anchor.batch_id, hashes[1], proof).call(), "proof of another event"
    assert not verify(b"\x07" * 32, hashes[0], proof).call(), "unknown batch"


def test_replayed_anchor_is_refused(w3, provenance, brand, authorised, relayer):
    anchor = anchor_for(w3, provenance, authorised.key, brand, event_hashes(3))
    transact(provenance.functions.anchorEvents(anchor.batch.values(), anchor.signature), relayer)
    call = provenance.functions.anchorEvents(anchor.batch.values(), anchor.signature)
    assert assert_reverts(call, relayer, provenance, "ProvenanceRegistryBatchExists") == (anchor.batch_id,)
    again = anchor_for(w3, provenance, authorised.key, brand, event_hashes(3), nonce=2)
    transact(provenance.functions.anchorEvents(again.batch.values(), again.signature), relayer)


@pytest.mark.parametrize("change", ["eventsRoot", "eventCount", "documentCid", "brand", "nonce", "deadline"])
def test_relayer_cannot_alter_a_signed_batch(w3, registry, provenance, brand, authorised, relayer, accounts, change):
    anchor = anchor_for(w3, provenance, authorised.key, brand, event_hashes(4))
    if change == "brand":
        other_brand = accounts[4]
        onboard(registry, other_brand, Role.BRAND)
        transact(provenance.functions.authoriseActor(authorised.address), other_brand)
    altered = replace(
        anchor.batch,
        **{
            "eventsRoot": {"events_root": keccak(text="forged root")},
            "eventCount": {"event_count": 400},
            "documentCid": {"document_cid": CID + b"\x00"},
            "brand": {"brand": accounts[4]},
            "nonce": {"nonce": anchor.batch.nonce + 1},
            "deadline": {"deadline": anchor.batch.deadline + 1},
        }[change],
    )
    call = provenance.functions.anchorEvents(altered.values(), anchor.signature)
    expected, recovered = assert_reverts(call, relayer, provenance, "ProvenanceRegistryInvalidSignature")
    assert to_checksum_address(expected) == authorised.address != to_checksum_address(recovered)


@pytest.mark.parametrize("forgery", ["relayer signs", "wrong chain", "wrong contract", "truncated"])
def test_forged_anchor_signatures_are_refused(w3, provenance, brand, authorised, relayer, accounts, forgery):
    hashes = event_hashes(4)
    if forgery == "relayer signs":
        relayer_key = dev_private_keys(10)[9]
        anchor = anchor_for(w3, provenance, relayer_key, brand, hashes)
        batch, signature = replace(anchor.batch, actor=authorised.address), anchor.signature
    else:
        changes = {
            "wrong chain": {"chain_id": w3.eth.chain_id + 1},
            "wrong contract": {"registry_address": accounts[6]},
            "truncated": {},
        }[forgery]
        anchor = anchor_for(w3, provenance, authorised.key, brand, hashes, **changes)
        batch = anchor.batch
        signature = anchor.signature[:64] if forgery == "truncated" else anchor.signature
    call = provenance.functions.anchorEvents(batch.values(), signature)
    assert_reverts(call, relayer, provenance, "ProvenanceRegistryInvalidSignature")


def test_actor_not_serving_the_brand_cannot_anchor(w3, registry, provenance, brand, actor, relayer, accounts):
    other_brand = accounts[4]
    onboard(registry, other_brand, Role.BRAND)
    transact(provenance.functions.authoriseActor(actor.address), other_brand)
    anchor = anchor_for(w3, provenance, actor.key, brand, event_hashes(2))
    call = provenance.functions.anchorEvents(anchor.batch.values(), anchor.signature)
    assert assert_reverts(call, relayer, provenance, "ProvenanceRegistryActorNotAuthorised") == (
        brand.lower(), actor.address.lower(),
    )

    transact(provenance.functions.authoriseActor(actor.address), brand)
    transact(provenance.functions.revokeActor(actor.address), brand)
    assert_reverts(call, relayer, provenance, "ProvenanceRegistryActorNotAuthorised")


@pytest.mark.parametrize("standing", ["suspended", "kyc expired"])
def test_inactive_actor_cannot_anchor(w3, registry, provenance, brand, authorised, relayer, admin, standing):
    if standing == "suspended":
        transact(registry.functions.suspend(authorised.address), admin)
    else:
        transact(registry.functions.setKyc(authorised.address, 0), admin)
    anchor = anchor_for(w3, provenance, authorised.key, brand, event_hashes(2))
    call = provenance.functions.anchorEvents(anchor.batch.values(), anchor.signature)
    assert_reverts(call, relayer, provenance, "ProvenanceRegistryNotSupplyChainActor")


def test_expired_or_empty_anchor_is_refused(w3, provenance, brand, authorised, relayer):
    anchor = anchor_for(w3, provenance, authorised.key, brand, event_hashes(2), deadline=now(w3) + 30)
    increase_time(w3, 31)
    call = provenance.functions.anchorEvents(anchor.batch.values(), anchor.signature)
    assert assert_reverts(call, relayer, provenance, "ProvenanceRegistrySignatureExpired") == (anchor.batch.deadline,)

    fresh = anchor_for(w3, provenance, authorised.key, brand, event_hashes(2))
    for empty in (replace(fresh.batch, event_count=0), replace(fresh.batch, events_root=b"\x00" * 32)):
        signature = sign_event_batch(empty, authorised.key, w3.eth.chain_id, provenance.address)
        call = provenance.functions.anchorEvents(empty.values(), signature)
        assert_reverts(call, relayer, provenance, "ProvenanceRegistryEmptyBatch")


# --- custody ------------------------------------------------------------------------------------------


def test_custody_moves_between_the_brand_and_its_actors(registry, provenance, brand, authorised, accounts):
    serial = keccak(text="SN00001")
    transact(provenance.functions.registerProductClass(GTIN, CID), brand)
    assert provenance.functions.custodian(GTIN, serial).call() == brand
    receipt = transact(provenance.functions.transferCustody(GTIN, serial, authorised.address), brand)
    (event,) = provenance.events.CustodyTransferred().process_receipt(receipt, errors=DISCARD)
    assert (event.args.gtin, event.args.serialHash, event.args.to, event.args["from"]) == (
        GTIN, serial, authorised.address, brand,
    )
    assert provenance.functions.custodian(GTIN, serial).call() == authorised.address

    carrier = accounts[3]
    onboard(registry, carrier, Role.SUPPLY_CHAIN_ACTOR)
    call = provenance.functions.transferCustody(GTIN, serial, carrier)
    assert assert_reverts(call, authorised.address, provenance, "ProvenanceRegistryActorNotAuthorised") == (
        brand.lower(), carrier.lower(),
    )
    transact(provenance.functions.authoriseActor(carrier), brand)
    transact(provenance.functions.transferCustody(GTIN, serial, carrier), authorised.address)
    assert provenance.functions.custodian(GTIN, serial).call() == carrier

    call = provenance.functions.transferCustody(GTIN, serial, authorised.address)
    assert assert_reverts(call, brand, provenance, "ProvenanceRegistryNotCustodian") == (GTIN, serial, brand.lower())
    transact(provenance.functions.transferCustody(GTIN, serial, brand), carrier)
    assert provenance.functions.custodian(GTIN, serial).call() == brand
    assert provenance.functions.custodian(GTIN, keccak(text="SN00002")).call() == brand, "other serials untouched"


def test_custody_refusals(registry, provenance, brand, authorised, admin):
    serial = keccak(text="SN00001")
    call = provenance.functions.transferCustody(GTIN, serial, authorised.address)
    assert_reverts(call, brand, provenance, "ProvenanceRegistryUnknownProductClass")
    with pytest.raises(ContractCustomError) as exc:
        provenance.functions.custodian(GTIN, serial).call()
    assert revert_name(provenance, exc) == "ProvenanceRegistryUnknownProductClass"
    transact(provenance.functions.registerProductClass(GTIN, CID), brand)
    transact(registry.functions.suspend(authorised.address), admin)
    assert_reverts(call, brand, provenance, "ProvenanceRegistryNotSupplyChainActor")


# --- recalls -------------------------------------------------------------------------------------------


def test_recall_flags(registry, provenance, brand, accounts, admin):
    transact(provenance.functions.registerProductClass(GTIN, CID), brand)
    transact(provenance.functions.registerSerialBatch(GTIN, b"\x05" * 32, 10, CID), brand)
    transact(provenance.functions.registerSerialBatch(GTIN, b"\x06" * 32, 10, CID), brand)
    assert not provenance.functions.isRecalled(1).call()

    receipt = transact(provenance.functions.setSerialBatchRecall(1, True), brand)
    (event,) = provenance.events.SerialBatchRecallSet().process_receipt(receipt, errors=DISCARD)
    assert (event.args.serialBatchId, event.args.gtin, event.args.by, event.args.recalled) == (1, GTIN, brand, True)
    assert provenance.functions.isRecalled(1).call() and not provenance.functions.isRecalled(2).call()
    assert_reverts(provenance.functions.setSerialBatchRecall(1, True), brand, provenance, "ProvenanceRegistryRecallUnchanged")

    receipt = transact(provenance.functions.setProductClassRecall(GTIN, True), admin)
    (event,) = provenance.events.ProductClassRecallSet().process_receipt(receipt, errors=DISCARD)
    assert (event.args.gtin, event.args.by, event.args.recalled) == (GTIN, admin, True)
    assert provenance.functions.isRecalled(2).call(), "a class recall covers every batch"
    assert provenance.functions.productClass(GTIN).call() == (brand, True)
    transact(provenance.functions.setProductClassRecall(GTIN, False), brand)
    assert not provenance.functions.isRecalled(2).call()
    call = provenance.functions.setProductClassRecall(GTIN, False)
    assert assert_reverts(call, brand, provenance, "ProvenanceRegistryRecallUnchanged") == (False,)


def test_recall_refusals(registry, provenance, brand, accounts, admin):
    assert_reverts(provenance.functions.setProductClassRecall(GTIN, True), brand, provenance,
                   "ProvenanceRegistryUnknownProductClass")
    assert_reverts(provenance.functions.setSerialBatchRecall(1, True), brand, provenance,
                   "ProvenanceRegistryUnknownSerialBatch")
    with pytest.raises(ContractCustomError) as exc:
        provenance.functions.isRecalled(1).call()
    assert revert_name(provenance, exc) == "ProvenanceRegistryUnknownSerialBatch"
    transact(provenance.functions.registerProductClass(GTIN, CID), brand)
    transact(provenance.functions.registerSerialBatch(GTIN, b"\x05" * 32, 10, CID), brand)
    rival = accounts[4]
    onboard(registry, rival, Role.BRAND)
    for call in (provenance.functions.setProductClassRecall(GTIN, True), provenance.functions.setSerialBatchRecall(1, True)):
        assert_reverts(call, rival, provenance, "ProvenanceRegistryNotProductBrand")
    transact(registry.functions.suspend(brand), admin)
    assert_reverts(provenance.functions.setProductClassRecall(GTIN, True), brand, provenance, "ProvenanceRegistryNotBrand")
    transact(provenance.functions.setProductClassRecall(GTIN, True), admin)


def test_constructor_refuses_zero_registry(w3, admin):
    artifact = load_artifact("ProvenanceRegistry")
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    assert_reverts(factory.constructor("0x" + "00" * 20), admin, factory, "ProvenanceRegistryZeroAddress")
