"""Each contract's projection on logs encoded from its real ABI, and the undo journal restoring them all."""

from __future__ import annotations

import pytest
from eth_utils import keccak, to_checksum_address
from sqlalchemy import select
from sqlmodel import Session

from contracts import load_artifact
from contracts.deployment import DeployedContract, DeploymentManifest, ManifestError
from indexer.catalog import ContractCatalog
from indexer.checkpoint import read_checkpoint
from indexer.database import make_engine
from indexer.decoding import EventDecoder
from indexer.errors import ProjectionError
from indexer.models import (
    Asset,
    Campaign,
    CampaignFunding,
    CampaignPublisher,
    Challenge,
    Consent,
    ConsentOffer,
    ConsentReward,
    CustodyTransfer,
    DidAttribute,
    DidChange,
    DidDelegate,
    DidIdentity,
    Escrow,
    EscrowToken,
    FeeWithdrawal,
    Payout,
    Product,
    ProductBatch,
    ProductCustody,
    ProvenanceActor,
    ProvenanceAnchor,
    RawLog,
    Settlement,
    domain_tables,
)
from indexer.projections import Projection
from tests.indexer.synthetic import SyntheticChain


def address(label: str) -> str:
    return to_checksum_address(keccak(text=label)[:20])


def word(label: str) -> bytes:
    return keccak(text=label)


def hexword(label: str) -> str:
    return "0x" + word(label).hex()


ESCROW, CONSENTS, DIDS, PROVENANCE, ASSETS = (address(n) for n in ("escrow", "consents", "dids", "provenance", "assets"))
TOKEN, ADVERTISER, AUDITOR, PUBLISHER, TREASURY = (address(n) for n in ("token", "adv", "auditor", "pub", "treasury"))
ATTESTERS = [address("attester-1"), address("attester-2")]
ZERO = "0x0000000000000000000000000000000000000000"
CONTRACTS = {
    "CampaignEscrow": ("CampaignEscrow", ESCROW),
    "ConsentRegistry": ("ConsentRegistry", CONSENTS),
    "DIDRegistry": ("DIDRegistry", DIDS),
    "ProvenanceRegistry": ("ProvenanceRegistry", PROVENANCE),
    "AssetRegistry": ("AssetRegistry", ASSETS),
}
GTIN = 9_506_000_134_352


@pytest.fixture
def chain(mirror_url) -> SyntheticChain:
    engine = make_engine(mirror_url)
    yield SyntheticChain(engine, CONTRACTS)
    engine.dispose()


def get(chain: SyntheticChain, model, *key):
    with Session(chain.engine) as session:
        return session.get(model, key)


def all_rows(chain: SyntheticChain, model) -> list:
    with Session(chain.engine) as session:
        return list(session.exec(select(model)).scalars())


def dump(chain: SyntheticChain) -> dict[str, list[tuple]]:
    """Every domain row, by table, in a comparable form."""
    with chain.engine.connect() as connection:
        return {
            table.name: sorted(tuple(row) for row in connection.execute(select(table)).all())
            for table in domain_tables()
        }


def escrow_opening(chain: SyntheticChain) -> None:
    chain.emit("CampaignEscrow", "TreasuryChanged", treasury=TREASURY)
    chain.emit("CampaignEscrow", "ParamsChanged", settlementGrace=7, resolutionPeriod=3, claimPeriod=30,
               minChallengeWindow=1, maxChallengeWindow=30)  # fmt: skip
    chain.emit("CampaignEscrow", "TokenConfigured", token=TOKEN, allowed=True, feeBps=250, challengeBond=50)
    chain.seal()
    chain.emit("CampaignEscrow", "CampaignCreated", campaignId=1, advertiser=ADVERTISER, token=TOKEN,
               termsHash=word("terms"), attesters=ATTESTERS, threshold=2, verifier=ZERO, challengeWindow=3_600,
               endTime=2_000_000_000, settlementGrace=7, feeBps=250, challengeBond=50)  # fmt: skip
    chain.emit("CampaignEscrow", "CampaignFunded", campaignId=1, **{"from": ADVERTISER}, amount=1_000, deposited=1_000)
    chain.seal()
    for epoch, spent in ((1, 100), (2, 200), (3, 300)):
        chain.emit("CampaignEscrow", "SettlementCommitted", campaignId=1, epoch=epoch, eventsRoot=word(f"e{epoch}"),
                   balanceRoot=word(f"b{epoch}"), cumulativeSpent=spent, eventCount=10 * epoch)  # fmt: skip
        chain.seal()


def escrow_disputes_and_refund(chain: SyntheticChain) -> None:
    chain.emit("CampaignEscrow", "SettlementMatured", campaignId=1, epoch=2, balanceRoot=word("b2"), cumulativeSpent=200)
    chain.seal()
    chain.emit("CampaignEscrow", "PaidOut", campaignId=1, publisher=PUBLISHER, cumulativeEarned=150, amount=147, fee=3)
    chain.emit("CampaignEscrow", "SettlementChallenged", campaignId=1, epoch=3, challenger=ADVERTISER, bond=50,
               deadline=1_900_000_000)  # fmt: skip
    chain.seal()
    chain.emit("CampaignEscrow", "ChallengeResolved", campaignId=1, epoch=3, resolver=AUDITOR, outcome=0, bond=50,
               revision=1, cumulativeSpent=200)  # fmt: skip
    chain.seal()
    chain.emit("CampaignEscrow", "SettlementCommitted", campaignId=1, epoch=4, eventsRoot=word("e4"),
               balanceRoot=word("b4"), cumulativeSpent=250, eventCount=5)  # fmt: skip
    chain.emit("CampaignEscrow", "SettlementChallenged", campaignId=1, epoch=4, challenger=PUBLISHER, bond=50,
               deadline=1_900_000_000)  # fmt: skip
    chain.seal()
    resolved_block = chain.number
    chain.emit("CampaignEscrow", "ChallengeResolved", campaignId=1, epoch=4, resolver=AUDITOR, outcome=1, bond=50,
               revision=1, cumulativeSpent=250)  # fmt: skip
    chain.emit("CampaignEscrow", "CampaignPaused", campaignId=1)
    chain.seal()
    chain.emit("CampaignEscrow", "CampaignEnded", campaignId=1, endTime=1_950_000_000)
    chain.emit("CampaignEscrow", "CampaignRefunded", campaignId=1, advertiser=ADVERTISER, amount=750)
    chain.emit("CampaignEscrow", "FeesWithdrawn", campaignId=1, token=TOKEN, treasury=TREASURY, amount=3)
    chain.seal()
    return resolved_block


def test_campaign_escrow_projection_follows_the_contracts_bookkeeping(chain):
    escrow_opening(chain)
    rejected_block = escrow_disputes_and_refund(chain)

    assert get(chain, Escrow, ESCROW).treasury == TREASURY and get(chain, Escrow, ESCROW).claim_period == 30
    assert get(chain, EscrowToken, ESCROW, TOKEN).fee_bps == 250
    campaign = get(chain, Campaign, ESCROW, 1)
    assert campaign.attesters == ATTESTERS and campaign.verifier is None and campaign.threshold == 2
    assert (campaign.deposited, campaign.cumulative_spent, campaign.matured_epoch, campaign.matured_spent) == (1_000, 250, 2, 200)
    assert campaign.matured_root == hexword("b2") and campaign.latest_epoch == 4
    assert (campaign.settled, campaign.paid_out, campaign.fees_pending, campaign.fees_withdrawn) == (150, 147, 0, 3)
    assert (campaign.revision, campaign.challenge_count, campaign.open_challenge) == (1, 2, None)
    assert campaign.resumed_at == chain.timestamp(rejected_block)
    assert campaign.closed and campaign.refunded == 750 and campaign.paused and campaign.end_time == 1_950_000_000
    assert campaign.pending_epochs == [4]
    statuses = {s.epoch: (s.status, s.revision) for s in all_rows(chain, Settlement)}
    assert statuses == {1: ("superseded", 0), 2: ("matured", 0), 3: ("discarded", 0), 4: ("committed", 1)}
    settlement = get(chain, Settlement, ESCROW, 1, 2)
    assert (settlement.events_root, settlement.balance_root, settlement.cumulative_spent) == (hexword("e2"), hexword("b2"), 200)
    assert settlement.committed_at == chain.timestamp(settlement.committed_block)
    outcomes = {c.number: (c.epoch, c.outcome, c.challenger) for c in all_rows(chain, Challenge)}
    assert outcomes == {1: (3, "upheld", ADVERTISER), 2: (4, "rejected", PUBLISHER)}
    assert get(chain, CampaignPublisher, ESCROW, 1, PUBLISHER).settled == 150
    (payout,) = all_rows(chain, Payout)
    assert (payout.publisher, payout.cumulative_earned, payout.amount, payout.fee) == (PUBLISHER, 150, 147, 3)
    assert [f.amount for f in all_rows(chain, CampaignFunding)] == [1_000]
    assert [w.amount for w in all_rows(chain, FeeWithdrawal)] == [3]


def consent_flow(chain: SyntheticChain) -> None:
    subject, grantee = address("subject"), address("grantee")
    chain.emit("ConsentRegistry", "OfferPublished", offerId=1, advertiser=ADVERTISER, token=TOKEN, purpose=word("ads"),
               dataCategoriesHash=word("cats"), compensation=100, cap=10, periodLength=0)  # fmt: skip
    chain.seal()
    for consent_id, period, paid in (("c1", 1, 100), ("c2", 0, 0)):
        chain.emit("ConsentRegistry", "ConsentGranted", consentId=word(consent_id), subject=subject, offerId=1,
                   grantee=grantee, purpose=word("ads"), expiry=2_000_000_000, period=period,
                   compensationPaid=paid)  # fmt: skip
    chain.seal()
    chain.emit("ConsentRegistry", "ConsentWithdrawn", consentId=word("c1"), subject=subject, offerId=1)
    chain.emit("ConsentRegistry", "RewardsSwept", subject=subject, token=TOKEN, recipient=address("wallet"), amount=60,
               nonce=0)  # fmt: skip
    chain.emit("ConsentRegistry", "OfferClosed", offerId=1, advertiser=ADVERTISER, refund=900)
    chain.seal()


def test_consent_projection(chain):
    consent_flow(chain)
    offer = get(chain, ConsentOffer, CONSENTS, 1)
    assert (offer.grants, offer.grants_paid, offer.closed, offer.refund, offer.compensation) == (2, 1, True, 900, 100)
    withdrawn = get(chain, Consent, CONSENTS, hexword("c1"))
    assert withdrawn.status == "withdrawn" and withdrawn.withdrawn_at == chain.timestamp(withdrawn.withdrawn_block)
    assert get(chain, Consent, CONSENTS, hexword("c2")).status == "active"
    reward = get(chain, ConsentReward, CONSENTS, address("subject"), TOKEN)
    assert (reward.accrued, reward.swept, reward.sweep_nonce) == (100, 60, 1)


def identity_provenance_and_asset_flow(chain: SyntheticChain) -> None:
    identity, owner, delegate = address("identity"), address("new-owner"), address("delegate")
    chain.emit("DIDRegistry", "DIDOwnerChanged", identity=identity, owner=owner, previousChange=0)
    chain.seal()
    chain.emit("DIDRegistry", "DIDDelegateChanged", identity=identity, delegateType=word("veriKey"),
               delegate=delegate, validTo=2**255, previousChange=1)  # fmt: skip
    chain.emit("DIDRegistry", "DIDAttributeChanged", identity=identity, name=word("did/svc"), value=b"https://x",
               validTo=1_900_000_000, previousChange=1)  # fmt: skip
    chain.seal()
    chain.emit("DIDRegistry", "DIDAttributeChanged", identity=identity, name=word("did/svc"), value=b"https://x",
               validTo=0, previousChange=2)  # fmt: skip
    brand, actor, holder = address("brand"), address("actor"), address("holder")
    chain.emit("ProvenanceRegistry", "ProductClassRegistered", gtin=GTIN, brand=brand, metadataCid=b"\x01\x55")
    chain.emit("ProvenanceRegistry", "SerialBatchRegistered", serialBatchId=1, gtin=GTIN, brand=brand,
               serialsRoot=word("serials"), serialCount=100, metadataCid=b"\x01")  # fmt: skip
    chain.emit("ProvenanceRegistry", "ActorAuthorised", brand=brand, actor=actor)
    chain.seal()
    chain.emit("ProvenanceRegistry", "EventsAnchored", batchId=word("batch"), actor=actor, brand=brand,
               eventsRoot=word("events"), eventCount=5, documentCid=b"\x01\x70", nonce=7)  # fmt: skip
    chain.emit("ProvenanceRegistry", "CustodyTransferred", gtin=GTIN, serialHash=word("s1"), to=holder, **{"from": brand})
    chain.emit("ProvenanceRegistry", "ProductClassRecallSet", gtin=GTIN, by=brand, recalled=True)
    chain.emit("ProvenanceRegistry", "SerialBatchRecallSet", serialBatchId=1, gtin=GTIN, by=brand, recalled=True)
    chain.emit("ProvenanceRegistry", "ActorRevoked", brand=brand, actor=actor)
    chain.emit("AssetRegistry", "AssetRegistered", contentHash=word("creative"), owner=ADVERTISER,
               registeredAt=1_800_000_100, cid=b"\x01\x55\x12\x20")  # fmt: skip
    chain.seal()


def test_did_provenance_and_asset_projections(chain):
    identity_provenance_and_asset_flow(chain)
    identity = address("identity")
    assert get(chain, DidIdentity, DIDS, identity).owner == address("new-owner")
    assert get(chain, DidIdentity, DIDS, identity).changes == 4
    assert [c.kind for c in sorted(all_rows(chain, DidChange), key=lambda c: (c.block_number, c.log_index))] == [
        "owner", "delegate", "attribute", "attribute"]  # fmt: skip
    assert get(chain, DidDelegate, DIDS, identity, hexword("veriKey"), address("delegate")).valid_to == 2**255
    value_hash = "0x" + keccak(b"https://x").hex()
    attribute = get(chain, DidAttribute, DIDS, identity, hexword("did/svc"), value_hash)
    assert attribute.valid_to == 0 and attribute.value == "0x" + b"https://x".hex()
    assert get(chain, Product, PROVENANCE, GTIN).recalled and get(chain, Product, PROVENANCE, GTIN).metadata_cid == "0x0155"
    assert get(chain, ProductBatch, PROVENANCE, 1).recalled and get(chain, ProductBatch, PROVENANCE, 1).serial_count == 100
    assert get(chain, ProvenanceActor, PROVENANCE, address("brand"), address("actor")).authorised is False
    (anchor,) = all_rows(chain, ProvenanceAnchor)
    assert (anchor.batch_id, anchor.event_count, anchor.nonce, anchor.document_cid) == (hexword("batch"), 5, 7, "0x0170")
    assert get(chain, ProductCustody, PROVENANCE, GTIN, hexword("s1")).custodian == address("holder")
    assert [t.sender for t in all_rows(chain, CustodyTransfer)] == [address("brand")]
    (asset,) = all_rows(chain, Asset)
    assert (asset.content_hash, asset.owner, asset.cid) == (hexword("creative"), ADVERTISER, "0x01551220")


def test_undo_journal_restores_every_table_to_the_ancestor(chain):
    escrow_opening(chain)
    consent_flow(chain)
    ancestor = chain.number - 1
    before = dump(chain)
    logs_before = len(all_rows(chain, RawLog))

    escrow_disputes_and_refund(chain)
    identity_provenance_and_asset_flow(chain)
    chain.emit("ConsentRegistry", "OfferPublished", offerId=2, advertiser=ADVERTISER, token=TOKEN, purpose=word("x"),
               dataCategoriesHash=word("y"), compensation=1, cap=1, periodLength=0)  # fmt: skip
    chain.seal()
    assert dump(chain) != before

    assert chain.roll_back_to(ancestor, branch="fork") > 10
    assert dump(chain) == before
    assert len(all_rows(chain, RawLog)) == logs_before
    with chain.engine.connect() as connection:
        assert read_checkpoint(connection, 31337).block_number == ancestor

    escrow_disputes_and_refund(chain)  # the new branch projects on the restored state
    assert get(chain, Campaign, ESCROW, 1).fees_withdrawn == 3


def test_an_event_for_a_missing_row_fails_the_whole_batch(chain):
    escrow_opening(chain)
    committed = chain.number - 1
    chain.emit("CampaignEscrow", "CampaignFunded", campaignId=99, **{"from": ADVERTISER}, amount=1, deposited=1)
    with pytest.raises(ProjectionError, match="chain_campaigns"):
        chain.seal()
    with chain.engine.connect() as connection:
        assert read_checkpoint(connection, 31337).block_number == committed
    assert all(f.campaign_id == 1 for f in all_rows(chain, CampaignFunding))


def test_a_projection_naming_an_unknown_event_is_refused():
    projection = Projection("SettlementToken")
    projection.on("Minted")(lambda ctx: None)
    with pytest.raises(ProjectionError, match="Minted"):
        projection.check_events(EventDecoder(load_artifact("SettlementToken").abi).names())


def test_two_manifest_entries_on_one_address_are_refused():
    twice = DeploymentManifest(
        1,
        {
            "A": DeployedContract("SettlementToken", TOKEN, 1, "0x", ""),
            "B": DeployedContract("SettlementToken", TOKEN.lower(), 2, "0x", ""),
        },
    )
    with pytest.raises(ManifestError, match="share the address"):
        ContractCatalog.from_manifest(twice)
