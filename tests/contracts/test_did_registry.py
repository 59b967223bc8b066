"""DIDRegistry: ERC-1056 ownership, delegates, attributes, signed meta-transactions, the change chain."""

import pytest
from eth_account import Account
from eth_utils import keccak, to_bytes, to_checksum_address
from web3.logs import DISCARD

from backend import dids
from contracts import load_artifact
from tests.factories import DAY, assert_reverts, deploy, increase_time, transact

VERI_KEY = dids.to_bytes32("veriKey")
SERVICE = dids.to_bytes32("did/svc/HubService")
ENDPOINT = b"https://hub.example.com/.well-known/did"
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@pytest.fixture
def dids_registry(w3):
    return deploy(w3, "DIDRegistry")


@pytest.fixture
def identity() -> Account:
    """An organisation's identity key: it never holds gas, a relayer submits what it signs."""
    return Account.from_key(keccak(text="did:ethr organisation"))


@pytest.fixture
def relayer(accounts):
    return accounts[9]


def did_events(registry, receipt):
    return [
        event
        for name in ("DIDOwnerChanged", "DIDDelegateChanged", "DIDAttributeChanged")
        for event in registry.events[name]().process_receipt(receipt, errors=DISCARD)
    ]


def test_erc1056_abi_is_unchanged():
    abi = load_artifact("DIDRegistry").abi
    events = {
        item["name"]: [(i["type"], i["indexed"]) for i in item["inputs"]] for item in abi if item["type"] == "event"
    }
    assert events == {
        "DIDOwnerChanged": [("address", True), ("address", False), ("uint256", False)],
        "DIDDelegateChanged": [
            ("address", True), ("bytes32", False), ("address", False), ("uint256", False), ("uint256", False),
        ],
        "DIDAttributeChanged": [
            ("address", True), ("bytes32", False), ("bytes", False), ("uint256", False), ("uint256", False),
        ],
    }
    functions = {item["name"] for item in abi if item["type"] == "function"}
    assert {
        "identityOwner", "validDelegate", "owners", "delegates", "changed", "nonce",
        "changeOwner", "changeOwnerSigned", "addDelegate", "addDelegateSigned",
        "revokeDelegate", "revokeDelegateSigned", "setAttribute", "setAttributeSigned",
        "revokeAttribute", "revokeAttributeSigned",
    } == functions


def test_meta_tx_hash_is_erc1056s_packed_encoding(accounts):
    registry, identity, new_owner = accounts[1], accounts[2], accounts[3]
    message = dids.change_owner_message(registry, 7, identity, new_owner)
    expected = keccak(
        b"\x19\x00" + to_bytes(hexstr=registry) + (7).to_bytes(32, "big") + to_bytes(hexstr=identity)
        + b"changeOwner" + to_bytes(hexstr=new_owner)
    )
    assert dids.meta_tx_hash(message) == expected
    message = dids.set_attribute_message(registry, 0, identity, SERVICE, ENDPOINT, 86_400)
    expected = keccak(
        b"\x19\x00" + to_bytes(hexstr=registry) + bytes(32) + to_bytes(hexstr=identity)
        + b"setAttribute" + SERVICE + ENDPOINT + (86_400).to_bytes(32, "big")
    )
    assert dids.meta_tx_hash(message) == expected
    with pytest.raises(ValueError):
        dids.to_bytes32("x" * 33)


def test_identity_owns_itself_until_changed(dids_registry, accounts):
    identity, new_owner, third = accounts[1], accounts[2], accounts[3]
    assert dids_registry.functions.identityOwner(identity).call() == identity
    first = transact(dids_registry.functions.changeOwner(identity, new_owner), identity)
    (event,) = did_events(dids_registry, first)
    assert (event.event, event.args.identity, event.args.owner, event.args.previousChange) == (
        "DIDOwnerChanged", identity, new_owner, 0,
    )
    assert dids_registry.functions.identityOwner(identity).call() == new_owner
    assert dids_registry.functions.owners(identity).call() == new_owner
    assert dids_registry.functions.changed(identity).call() == first.blockNumber

    call = dids_registry.functions.changeOwner(identity, third)
    assert assert_reverts(call, identity, dids_registry, "DIDRegistryNotOwner") == (identity.lower(), identity.lower())
    second = transact(dids_registry.functions.changeOwner(identity, third), new_owner)
    assert did_events(dids_registry, second)[0].args.previousChange == first.blockNumber


def test_delegates_and_attributes_by_the_owner(w3, dids_registry, accounts):
    identity, delegate, stranger = accounts[1], accounts[2], accounts[3]
    receipt = transact(dids_registry.functions.addDelegate(identity, VERI_KEY, delegate, DAY), identity)
    (event,) = did_events(dids_registry, receipt)
    valid_to = w3.eth.get_block(receipt.blockNumber)["timestamp"] + DAY
    assert (event.args.delegateType, event.args.delegate, event.args.validTo) == (VERI_KEY, delegate, valid_to)
    assert dids_registry.functions.validDelegate(identity, VERI_KEY, delegate).call()
    assert dids_registry.functions.delegates(identity, keccak(VERI_KEY), delegate).call() == valid_to
    assert not dids_registry.functions.validDelegate(identity, dids.to_bytes32("sigAuth"), delegate).call()
    increase_time(w3, DAY)
    assert not dids_registry.functions.validDelegate(identity, VERI_KEY, delegate).call(), "expired"

    transact(dids_registry.functions.addDelegate(identity, VERI_KEY, delegate, DAY), identity)
    receipt = transact(dids_registry.functions.revokeDelegate(identity, VERI_KEY, delegate), identity)
    assert did_events(dids_registry, receipt)[0].args.validTo == w3.eth.get_block(receipt.blockNumber)["timestamp"]
    assert not dids_registry.functions.validDelegate(identity, VERI_KEY, delegate).call()

    receipt = transact(dids_registry.functions.setAttribute(identity, SERVICE, ENDPOINT, 30 * DAY), identity)
    (event,) = did_events(dids_registry, receipt)
    assert (event.args.name, event.args.value) == (SERVICE, ENDPOINT)
    assert event.args.validTo == w3.eth.get_block(receipt.blockNumber)["timestamp"] + 30 * DAY
    receipt = transact(dids_registry.functions.revokeAttribute(identity, SERVICE, ENDPOINT), identity)
    assert did_events(dids_registry, receipt)[0].args.validTo == 0

    for call in (
        dids_registry.functions.addDelegate(identity, VERI_KEY, stranger, DAY),
        dids_registry.functions.revokeDelegate(identity, VERI_KEY, delegate),
        dids_registry.functions.setAttribute(identity, SERVICE, ENDPOINT, DAY),
        dids_registry.functions.revokeAttribute(identity, SERVICE, ENDPOINT),
    ):
        assert_reverts(call, stranger, dids_registry, "DIDRegistryNotOwner")
    assert_reverts(
        dids_registry.functions.changeOwner(identity, stranger), delegate, dids_registry, "DIDRegistryNotOwner"
    )


def test_previous_change_links_every_event_of_an_identity(w3, dids_registry, accounts):
    identity = accounts[1]
    blocks = [
        transact(dids_registry.functions.setAttribute(identity, SERVICE, ENDPOINT, DAY), identity).blockNumber,
        transact(dids_registry.functions.addDelegate(identity, VERI_KEY, accounts[2], DAY), identity).blockNumber,
        transact(dids_registry.functions.revokeAttribute(identity, SERVICE, ENDPOINT), identity).blockNumber,
        transact(dids_registry.functions.changeOwner(identity, accounts[3]), identity).blockNumber,
    ]
    walked, block = [], dids_registry.functions.changed(identity).call()
    while block:
        walked.append(block)
        receipt_logs = w3.eth.get_logs({"address": dids_registry.address, "fromBlock": block, "toBlock": block})
        (log,) = receipt_logs
        event = next(
            e for name in ("DIDOwnerChanged", "DIDDelegateChanged", "DIDAttributeChanged")
            for e in dids_registry.events[name]().process_receipt({"logs": [log]}, errors=DISCARD)
        )
        block = event.args.previousChange
    assert walked == blocks[::-1]


# --- signed meta-transactions -----------------------------------------------------------------------

OPERATIONS = ["changeOwner", "addDelegate", "revokeDelegate", "setAttribute", "revokeAttribute"]


def signed_call(registry, identity_address, nonce, signer_key, operation, other, *, registry_address=None):
    """Build the ERC-1056 message for `operation`, sign it with `signer_key`, return the contract call."""
    target = registry_address or registry.address
    message, args = {
        "changeOwner": (dids.change_owner_message(target, nonce, identity_address, other), (other,)),
        "addDelegate": (
            dids.add_delegate_message(target, nonce, identity_address, VERI_KEY, other, DAY),
            (VERI_KEY, other, DAY),
        ),
        "revokeDelegate": (
            dids.revoke_delegate_message(target, nonce, identity_address, VERI_KEY, other),
            (VERI_KEY, other),
        ),
        "setAttribute": (
            dids.set_attribute_message(target, nonce, identity_address, SERVICE, ENDPOINT, DAY),
            (SERVICE, ENDPOINT, DAY),
        ),
        "revokeAttribute": (
            dids.revoke_attribute_message(target, nonce, identity_address, SERVICE, ENDPOINT),
            (SERVICE, ENDPOINT),
        ),
    }[operation]
    v, r, s = dids.sign_meta_tx(message, signer_key)
    return registry.functions[f"{operation}Signed"](identity_address, v, r, s, *args)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_signed_operation_relayed_once(w3, dids_registry, identity, relayer, accounts, operation):
    other = accounts[4]
    nonce = dids_registry.functions.nonce(identity.address).call()
    call = signed_call(dids_registry, identity.address, nonce, identity.key, operation, other)
    receipt = transact(call, relayer)
    (event,) = did_events(dids_registry, receipt)
    assert event.args.identity == identity.address and event.args.previousChange == 0
    assert dids_registry.functions.changed(identity.address).call() == receipt.blockNumber
    assert dids_registry.functions.nonce(identity.address).call() == nonce + 1
    if operation == "changeOwner":
        assert dids_registry.functions.identityOwner(identity.address).call() == other
    if operation == "addDelegate":
        assert dids_registry.functions.validDelegate(identity.address, VERI_KEY, other).call()
    assert w3.eth.get_balance(identity.address) == 0

    # The owner's nonce moved on (and after changeOwner the identity no longer owns itself).
    replay = signed_call(dids_registry, identity.address, nonce, identity.key, operation, other)
    identity_arg, _ = assert_reverts(replay, relayer, dids_registry, "DIDRegistryBadSignature")
    assert to_checksum_address(identity_arg) == identity.address


@pytest.mark.parametrize("forgery", ["other key", "future nonce", "other registry", "high s"])
def test_forged_meta_transactions_are_refused(dids_registry, identity, relayer, accounts, forgery):
    other = accounts[4]
    if forgery == "high s":
        message = dids.change_owner_message(dids_registry.address, 0, identity.address, other)
        v, r, s = dids.sign_meta_tx(message, identity.key)
        malleated = (SECP256K1_N - int.from_bytes(s, "big")).to_bytes(32, "big")
        call = dids_registry.functions.changeOwnerSigned(identity.address, 55 - v, r, malleated, other)
    else:
        key = Account.create().key if forgery == "other key" else identity.key
        nonce = 5 if forgery == "future nonce" else 0
        target = accounts[7] if forgery == "other registry" else None
        call = signed_call(dids_registry, identity.address, nonce, key, "changeOwner", other, registry_address=target)
    assert_reverts(call, relayer, dids_registry, "DIDRegistryBadSignature")
    assert dids_registry.functions.identityOwner(identity.address).call() == identity.address
    assert dids_registry.functions.nonce(identity.address).call() == 0


def test_new_owner_signs_with_its_own_nonce(dids_registry, identity, relayer, accounts):
    successor = Account.from_key(keccak(text="successor key"))
    transact(signed_call(dids_registry, identity.address, 0, identity.key, "changeOwner", successor.address), relayer)
    stale = signed_call(dids_registry, identity.address, 1, identity.key, "setAttribute", accounts[4])
    assert_reverts(stale, relayer, dids_registry, "DIDRegistryBadSignature")
    transact(signed_call(dids_registry, identity.address, 0, successor.key, "setAttribute", accounts[4]), relayer)
    assert dids_registry.functions.nonce(successor.address).call() == 1
    assert dids_registry.functions.nonce(identity.address).call() == 1
