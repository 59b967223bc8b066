"""What the backend sends and proves matches ProvenanceRegistry on a real chain (anvil)."""

from eth_account import Account
from sqlmodel import Session

from backend.chain.local_node import dev_private_keys
from backend.content import cid_for
from backend.provenance import build_anchor, event_leaf
from backend.provenance.chain import ProvenanceWriter
from backend.provenance.event_hash import event_hash, hash_digest
from backend.provenance.serials import SerialRange, expand, serial_hash, serial_leaf, serials_tree
from tests.factories import Role, deploy, now, onboard
from tests.provenance.test_event_hash import VECTORS

GTIN = "09506000134352"


class Sent:
    """An outbox stand-in that sends each queued call straight from its (unlocked) sender."""

    def __init__(self, w3):
        self.w3 = w3

    def __call__(self, session, *, sender, to, data, value=0, kind, reference=None, gas=None):
        receipt = self.w3.eth.wait_for_transaction_receipt(
            self.w3.eth.send_transaction({"from": sender, "to": to, "data": data})
        )
        assert receipt.status == 1, kind


def test_writer_calls_serial_proofs_and_event_proofs_are_accepted_on_chain(w3, registry, accounts):
    provenance = deploy(w3, "ProvenanceRegistry", registry.address)
    brand, actor = accounts[1], Account.from_key(dev_private_keys(3)[2])
    onboard(registry, brand, Role.BRAND)
    onboard(registry, actor.address, Role.SUPPLY_CHAIN_ACTOR)
    writer = ProvenanceWriter(provenance.address, Sent(w3))
    session = Session()  # the stand-in never touches it

    serials = expand(["A/1", "x%y"], [SerialRange(1, 5, 3, "B")])
    tree = serials_tree(GTIN, serials)
    writer.register_product_class(session, brand, GTIN, cid_for(b'{"name": "Chronograph 42"}'))
    writer.register_serial_batch(session, brand, GTIN, tree.root, len(serials), "batch")
    writer.authorise_actor(session, brand, actor.address)
    assert provenance.functions.productClass(int(GTIN)).call() == (brand, False)
    assert provenance.functions.isAuthorised(brand, actor.address).call()
    for serial in serials:
        proof = tree.proof(serial_leaf(GTIN, serial))
        assert provenance.functions.verifySerial(1, serial_hash(serial), proof).call(), serial
    assert not provenance.functions.verifySerial(1, serial_hash("B006"), tree.proof(serial_leaf(GTIN, "B001"))).call()

    hashes = [hash_digest(event_hash(case["event"], case["namespaces"])) for case in VECTORS]
    anchor = build_anchor(
        actor_key=actor.key, brand=brand, event_hashes=hashes, document_cid=b"", nonce=1,
        deadline=now(w3) + 3600, chain_id=w3.eth.chain_id, registry_address=provenance.address,
    )
    w3.eth.wait_for_transaction_receipt(
        provenance.functions.anchorEvents(anchor.batch.values(), anchor.signature).transact({"from": accounts[9]})
    )
    for digest in hashes:
        assert provenance.functions.verifyEventAnchor(anchor.batch_id, digest, anchor.tree.proof(event_leaf(digest))).call()
