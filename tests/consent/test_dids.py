"""GET /v1/dids/{did}: did:pkh from the DID itself, did:ethr replayed from the mirror's change chain."""

from eth_account import Account
from eth_keys import keys
from sqlalchemy import delete
from sqlmodel import Session

from backend.core.db import engine_for
from backend.dids import to_bytes32
from indexer.models import DidChange
from tests.factories import DAY, increase_time, transact

ZERO = "0x" + "00" * 20


def resolve(world, did: str):
    return world.client.get(f"/v1/dids/{did}")


def methods(document: dict) -> dict[str, dict]:
    return {method["id"].split("#")[1]: method for method in document.get("verificationMethod", [])}


def fragments(document: dict, relation: str) -> list[str]:
    return [reference.split("#")[1] for reference in document.get(relation, [])]


def test_did_pkh_and_refusals(world):
    wallet = Account.create().address
    did = f"did:pkh:eip155:{world.w3.eth.chain_id}:{wallet}"
    document = resolve(world, did).json()["didDocument"]
    assert document["id"] == did
    assert methods(document)["blockchainAccountId"]["blockchainAccountId"] == f"eip155:{world.w3.eth.chain_id}:{wallet}"
    assert fragments(document, "authentication") == ["blockchainAccountId"]

    chain = hex(world.w3.eth.chain_id)
    wrong_checksum = wallet[:2] + wallet[2:].swapcase() if wallet[2:].swapcase() != wallet[2:] else wallet
    for text, status, code in [
        ("not-a-did", 400, "invalid_did"),
        ("did:web:example.com", 422, "did_method_not_supported"),
        ("did:pkh:solana:4sGjMW1sUnHzSxGspuhpqLDx6wiyjNtZ:abc", 422, "did_method_not_supported"),
        (f"did:pkh:eip155:1:{wrong_checksum}", 400, "invalid_did"),
        (f"did:ethr:{chain}:0x1234", 400, "invalid_did"),
        (f"did:ethr:0x1:{wallet}", 404, "did_unknown_network"),
        (f"did:ethr:goerli:{wallet}", 404, "did_unknown_network"),
        (f"did:ethr:{chain}:0x02{'ff' * 32}", 400, "invalid_did"),
    ]:
        response = resolve(world, text)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), text


def test_did_ethr_follows_the_change_chain(world, accounts):
    w3, dids = world.w3, world.dids
    identity, veri, sig_auth, new_owner = accounts[3], accounts[4], accounts[5], accounts[6]
    did = f"did:ethr:{hex(w3.eth.chain_id)}:{identity}"
    fresh = resolve(world, did).json()
    assert methods(fresh["didDocument"])["controller"]["blockchainAccountId"].endswith(identity)
    assert fresh["didDocumentMetadata"] == {}, "never changed: the default document"

    secp_key = bytes.fromhex("02" + "11" * 32)
    ed_key, x_key = b"\x22" * 32, b"\x33" * 32
    transact(dids.functions.addDelegate(identity, to_bytes32("veriKey"), veri, DAY), identity)
    w3.provider.make_request("evm_setAutomine", [False])
    first = dids.functions.addDelegate(identity, to_bytes32("sigAuth"), sig_auth, 3_600).transact({"from": identity})
    second = dids.functions.setAttribute(
        identity, to_bytes32("did/pub/Secp256k1/veriKey/hex"), secp_key, DAY
    ).transact({"from": identity})
    w3.provider.make_request("evm_mine", [])
    w3.provider.make_request("evm_setAutomine", [True])
    assert w3.eth.get_transaction_receipt(first).blockNumber == w3.eth.get_transaction_receipt(second).blockNumber
    transact(dids.functions.setAttribute(identity, to_bytes32("did/pub/Ed25519/veriKey/base58"), ed_key, DAY), identity)
    transact(dids.functions.setAttribute(identity, to_bytes32("did/pub/X25519/enc/base64"), x_key, DAY), identity)
    endpoint = b"https://messages.acme.example"
    transact(dids.functions.setAttribute(identity, to_bytes32("did/svc/MessagingService"), endpoint, DAY), identity)
    world.settle()

    resolved = resolve(world, did).json()
    document = resolved["didDocument"]
    found = methods(document)
    assert list(found) == ["controller", "delegate-1", "delegate-2", "delegate-3", "delegate-4", "delegate-5"]
    assert found["delegate-1"]["blockchainAccountId"].endswith(veri)
    assert found["delegate-3"]["publicKeyHex"] == secp_key.hex()
    assert found["delegate-4"]["type"] == "Ed25519VerificationKey2018"
    assert found["delegate-5"]["type"] == "X25519KeyAgreementKey2019"
    assert fragments(document, "authentication") == ["controller", "delegate-2"]
    assert fragments(document, "assertionMethod") == [
        "controller",
        "delegate-1",
        "delegate-2",
        "delegate-3",
        "delegate-4",
    ]
    assert fragments(document, "keyAgreement") == ["delegate-5"]
    assert document["service"] == [
        {"id": f"{did}#service-1", "type": "MessagingService", "serviceEndpoint": endpoint.decode()}
    ]
    assert resolved["didDocumentMetadata"]["versionId"] == str(w3.eth.block_number)

    transact(dids.functions.revokeDelegate(identity, to_bytes32("veriKey"), veri), identity)
    increase_time(w3, 2 * 3_600)
    transact(dids.functions.changeOwner(identity, new_owner), identity)
    world.settle()
    document = resolve(world, did).json()["didDocument"]
    assert list(methods(document)) == ["controller", "delegate-3", "delegate-4", "delegate-5"], "revoked and lapsed"
    assert methods(document)["controller"]["blockchainAccountId"].endswith(new_owner)

    with Session(engine_for(world.settings.database_url)) as session:
        same_block = w3.eth.get_transaction_receipt(first).blockNumber
        session.execute(delete(DidChange).where(DidChange.block_number == same_block))
        session.commit()
    broken = resolve(world, did)
    assert (broken.status_code, broken.json()["error"]["code"]) == (503, "did_mirror_incomplete")


def test_a_did_naming_a_public_key_lists_that_key(world):
    account = Account.create()
    compressed = keys.PrivateKey(account.key).public_key.to_compressed_bytes()
    did = f"did:ethr:{hex(world.w3.eth.chain_id)}:0x{compressed.hex()}"
    document = resolve(world, did).json()["didDocument"]
    assert methods(document)["controller"]["blockchainAccountId"].endswith(account.address)
    assert methods(document)["controllerKey"]["publicKeyHex"] == compressed.hex()
    assert fragments(document, "authentication") == ["controller", "controllerKey"]


def test_a_did_whose_owner_is_zero_is_deactivated(world, accounts):
    identity = accounts[7]
    transact(world.dids.functions.changeOwner(identity, ZERO), identity)
    world.settle()
    resolved = resolve(world, f"did:ethr:{hex(world.w3.eth.chain_id)}:{identity}").json()
    assert resolved["didDocumentMetadata"]["deactivated"] is True
    assert "verificationMethod" not in resolved["didDocument"]
