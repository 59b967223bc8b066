"""The realistic account `web_pages.py` loads its pages on, written straight into a fresh database.

Settling 2,000 epochs through anvil, the outbox and the indexer would take far longer than the
measurement, so the rows are written as the API and the indexer would have written them:
participants with API keys; 100 campaigns of one advertiser (record, create and fund actions,
their mined outbox rows) and their mirror (``chain_campaigns``, the five publishers' shares,
payouts); 2,000 settled epochs (20 per campaign: ``settlements`` with their commit transactions,
balance leaves per publisher, the mirrored ``chain_settlements``, the oldest matured) with the
ad events priced into them (10 per publisher and epoch: billed impressions and a click, one
filtered); three open challenges; 1,000 products of one brand (a serial batch of
`serials` each, registered in the mirror; serial 0 of each with three anchored EPCIS events),
and a few open consent offers. Hashes, roots and signatures are synthetic: no page checks
them against a chain.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg
from eth_account import Account
from sqlalchemy import insert
from sqlmodel import Session

from backend.ads.models import AdPublisherTally
from backend.campaigns.models import AnchorStatus, Campaign, CampaignAction, CampaignActionKind
from backend.chain.outbox import OutboxStatus, OutboxTransaction
from backend.consent.typed_data import data_categories_hash, purpose_hash
from backend.consent.vocabulary import hex32
from backend.core.db import engine_for
from backend.identity.api_keys import issue_key
from backend.identity.models import Participant, ParticipantStatus
from backend.identity.roles import Role, roles_to_mask
from backend.provenance.gtin import with_check_digit
from backend.provenance.models import AnchorBatch, AnchorStatus as ProvenanceAnchorStatus, Product, SerialBatch
from backend.settlement.models import Settlement, SettlementBalance
from contracts.deployment import DeployedContract, DeploymentManifest
from indexer import models as chain

CHAIN_ID = 31337
UNIT = 10**6
EPOCH_SECONDS = 30
PUBLISHERS = 5
CONTRACTS = ("ParticipantRegistry", "TokenUSD", "TokenEUR", "CampaignEscrow", "ConsentRegistry", "ProvenanceRegistry")
TERMS = {
    "version": 1,
    "pricing": {"cpm": 2 * UNIT, "cpc": 50_000, "cpa": 1 * UNIT},
    "conditions": {"attribution_window_days": 7, "publisher_daily_cap": {"amount": 500 * UNIT}},
}
IMPRESSION_PRICE = TERMS["pricing"]["cpm"] // 1000
CLICK_PRICE = TERMS["pricing"]["cpc"]
STEPS = (("commissioning", None, 0), ("packing", None, 20), ("shipping", "in_transit", 30))


def gtin_of(index: int) -> str:
    return with_check_digit(f"0951{index:09d}")


def serial_of(index: int) -> str:
    return f"{index:07d}"


def _address() -> str:
    return Account.create().address


def _hash() -> str:
    return "0x" + secrets.token_hex(32)


@dataclass
class Seeded:
    """What the benchmark needs to load the pages: keys by role, products, counts."""

    manifest: DeploymentManifest
    keys: dict[str, str] = field(default_factory=dict)  # console -> API key
    gtins: list[str] = field(default_factory=list)
    busiest_campaign: str = ""
    counts: dict[str, int] = field(default_factory=dict)


def manifest() -> DeploymentManifest:
    return DeploymentManifest(chain_id=CHAIN_ID, contracts={
        name: DeployedContract("SettlementToken" if name.startswith("Token") else name, _address(), 1, _hash(), "")
        for name in CONTRACTS
    })


def _copy(cursor: psycopg.Cursor, table: str, columns: tuple[str, ...], rows) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def seed(url: str, *, campaigns: int = 100, epochs: int = 2000, products: int = 1000, serials: int = 100,
         offers: int = 12) -> Seeded:
    """Fill the migrated database at `url` (SQLAlchemy URL, PostgreSQL); returns keys and counts."""
    deployed = manifest()
    escrow, registry = deployed.address("CampaignEscrow"), deployed.address("ParticipantRegistry")
    token = deployed.address("TokenUSD")
    result = Seeded(manifest=deployed)
    now = datetime.now(UTC)
    chain_now = int(now.timestamp())
    head = 100_000
    engine = engine_for(url)

    with Session(engine) as session:
        people: dict[str, Participant] = {}

        def person(name: str, roles: list[Role]) -> Participant:
            bits = roles_to_mask(roles)
            row = Participant(display_name=name, roles=bits, requested_roles=bits, chain_address=_address(),
                              custody_mode="custodial", status=ParticipantStatus.APPROVED,
                              kyc_expires_at=now + timedelta(days=365), approved_at=now)
            session.add(row)
            return row

        people["advertiser"] = person("Northwind Outdoor", [Role.ADVERTISER])
        publishers = [person(f"Publisher {n}", [Role.PUBLISHER]) for n in range(PUBLISHERS)]
        people["publisher"] = publishers[0]
        people["brand"] = person("Acme Watches", [Role.BRAND])
        people["auditor"] = person("Audit & Co", [Role.AUDITOR])
        applicants = [Participant(display_name=f"Applicant {n}", roles=0, requested_roles=roles_to_mask([Role.PUBLISHER]),
                                  chain_address=_address(), custody_mode="custodial") for n in range(20)]
        session.add_all(applicants)
        session.flush()
        for console, role in (("advertiser", Role.ADVERTISER), ("publisher", Role.PUBLISHER), ("brand", Role.BRAND),
                              ("auditor", Role.AUDITOR)):
            result.keys[console] = issue_key(session, people[console], role).secret
        session.commit()
        advertiser = people["advertiser"]
        participants = [advertiser, *publishers, people["brand"], people["auditor"]]
        publisher_addresses = [p.chain_address for p in publishers]
        brand_id, brand_address = people["brand"].id, people["brand"].chain_address

        # -- the mirror's bookkeeping and configuration ------------------------------------------------
        session.execute(insert(chain.Checkpoint.__table__), [dict(
            chain_id=CHAIN_ID, block_number=head, block_hash=_hash(), logs_total=head, updated_at=time.time(),
            logs_per_second=0.0)])
        session.execute(insert(chain.IndexedBlock.__table__), [dict(
            chain_id=CHAIN_ID, number=head, hash=_hash(), parent_hash=_hash(), timestamp=chain_now)])
        session.execute(insert(chain.Escrow.__table__), [dict(
            contract=escrow, treasury=_address(), settlement_grace=86400, resolution_period=86400, claim_period=86400,
            min_challenge_window=60, max_challenge_window=7 * 86400, updated_block=10)])
        session.execute(insert(chain.EscrowToken.__table__), [dict(
            contract=escrow, token=token, allowed=True, fee_bps=100, challenge_bond=10 * UNIT, updated_block=10)])
        session.execute(insert(chain.Participant.__table__), [dict(
            contract=registry, account=p.chain_address, roles=p.roles, kyc_expiry=chain_now + 365 * 86400,
            updated_block=20) for p in participants])

        # -- campaigns, their actions and outbox rows, the mirror --------------------------------------
        per_campaign = [epochs // campaigns + (1 if n < epochs % campaigns else 0) for n in range(campaigns)]
        first_epoch = (chain_now - 3 * 86400) // EPOCH_SECONDS
        outbox_rows, campaign_rows, action_rows, chain_campaigns = [], [], [], []
        shares, payouts, settlement_rows, chain_settlement_rows = [], [], [], []
        balances_later: list[tuple[int, int, dict]] = []  # (settlement index, publisher index, row) for ids
        challenges, tallies = [], []
        terms_json = json.dumps(TERMS, separators=(",", ":"), sort_keys=True)
        outbox_id = 0
        block = 1000

        def outbox(kind: str, reference: str, when: datetime) -> int:
            nonlocal outbox_id, block
            outbox_id += 1
            block += 1
            outbox_rows.append(dict(
                id=outbox_id, sender=advertiser.chain_address, to=escrow, data=b"\x00" * 4, value=0, kind=kind,
                reference=reference, status=OutboxStatus.MINED, nonce=outbox_id, tx_hash=_hash(),
                replaced_hashes="", block_number=block, gas_used=100_000, attempts=1, created_at=when,
                signed_at=when, broadcast_at=when, finished_at=when))
            return outbox_id

        epoch_cursor = 0
        for n in range(campaigns):
            chain_id = n + 1
            campaign_id = uuid.uuid4()
            created = now - timedelta(days=30, minutes=-n)
            count = per_campaign[n]
            epoch_list = [first_epoch + epoch_cursor + k for k in range(count)]
            epoch_cursor += count
            reference = f"campaign:{campaign_id}"
            create_tx, fund_tx = outbox("CampaignEscrow.createCampaign", reference, created), outbox(
                "CampaignEscrow.fund", reference, created)
            budget = 5_000 * UNIT
            campaign_rows.append(dict(
                id=campaign_id, name=f"Spring campaign {n:03d}", advertiser_id=advertiser.id,
                advertiser_address=advertiser.chain_address, chain_id=CHAIN_ID, escrow_address=escrow,
                chain_campaign_id=chain_id, anchoring=AnchorStatus.ANCHORED, token_symbol="tUSD", token_address=token,
                budget=budget, terms_json=terms_json, terms_cid="bafk" + secrets.token_hex(28), terms_hash=_hash(),
                attesters=[_address()], threshold=1, verifier=None, challenge_window=3600,
                end_time=chain_now + 60 * 86400, created_at=created, anchored_at=created))
            for kind, outbox_ref in ((CampaignActionKind.CREATE, create_tx), (CampaignActionKind.FUND, fund_tx)):
                action_rows.append(dict(
                    id=uuid.uuid4(), campaign_id=campaign_id, kind=kind, amount=budget if kind == "fund" else None,
                    requested_by=advertiser.id, outbox_ids=[outbox_ref], created_at=created))
            if n == 0:
                result.busiest_campaign = str(campaign_id)
            per_epoch = PUBLISHERS * (8 * IMPRESSION_PRICE + CLICK_PRICE)
            spent = per_epoch * count
            matured_index = max(count - 4, -1)  # the last three are inside their window, the rest matured
            matured_root = None
            for k, epoch in enumerate(epoch_list):
                committed_at = chain_now - (count - k) * 3600
                commit_tx = outbox("CampaignEscrow.commitSettlement", f"settle:{escrow}:{chain_id}:{epoch}",
                                   datetime.fromtimestamp(committed_at, UTC))
                events_root, balance_root = secrets.token_bytes(32), secrets.token_bytes(32)
                if k == matured_index:
                    matured_root = "0x" + balance_root.hex()
                settlement_rows.append(dict(
                    escrow_address=escrow, campaign_id=chain_id, epoch=epoch, events_root=events_root,
                    balance_root=balance_root, cumulative_spent=per_epoch * (k + 1), billed_amount=per_epoch,
                    event_count=PUBLISHERS * 9, revision=0, priced_count=PUBLISHERS * 10,
                    signatures=secrets.token_bytes(65), outbox_id=commit_tx, status="live",
                    created_at=datetime.fromtimestamp(committed_at, UTC)))
                chain_settlement_rows.append(dict(
                    contract=escrow, campaign_id=chain_id, epoch=epoch, events_root="0x" + events_root.hex(),
                    balance_root="0x" + balance_root.hex(), cumulative_spent=per_epoch * (k + 1),
                    event_count=PUBLISHERS * 9, revision=0, committed_at=committed_at, committed_block=block,
                    tx_hash=outbox_rows[-1]["tx_hash"], status=(
                        "matured" if k == matured_index else "superseded" if k < matured_index else "committed"),
                    matured_block=block + 5 if k <= matured_index else None, updated_block=block))
                for p in range(PUBLISHERS):
                    earned = (8 * IMPRESSION_PRICE + CLICK_PRICE) * (k + 1)
                    tally = {"impressions": 8 * (k + 1), "clicks": k + 1, "conversions": 0, "earned": earned,
                             "bonus_paid": False, "day": epoch * EPOCH_SECONDS // 86400, "day_amount": earned,
                             "day_impressions": 8 * (k + 1), "day_clicks": k + 1, "day_conversions": 0,
                             "day_closed": False}
                    balances_later.append((len(settlement_rows) - 1, p, dict(
                        publisher=publisher_addresses[p], cumulative_earned=earned, in_root=True,
                        tally=json.dumps(tally))))
            matured_epoch = epoch_list[matured_index] if matured_index >= 0 else 0
            matured_spent = per_epoch * (matured_index + 1)
            publisher_matured = matured_spent // PUBLISHERS
            paid = publisher_matured * 99 // 100
            open_challenge = 1 if n in (3, 17, 42) else None
            chain_campaigns.append(dict(
                contract=escrow, campaign_id=chain_id, advertiser=advertiser.chain_address, token=token,
                terms_hash=campaign_rows[-1]["terms_hash"], attesters=campaign_rows[-1]["attesters"], threshold=1,
                challenge_window=3600, end_time=chain_now + 60 * 86400, settlement_grace=86400, fee_bps=100,
                challenge_bond=10 * UNIT, created_block=1000 + n, created_at=int(created.timestamp()),
                deposited=budget, cumulative_spent=spent, latest_epoch=epoch_list[-1] if epoch_list else 0,
                matured_epoch=matured_epoch, matured_root=matured_root, matured_spent=matured_spent,
                settled=publisher_matured * PUBLISHERS, paid_out=paid * PUBLISHERS,
                challenge_count=1 if open_challenge else 0, open_challenge=open_challenge,
                pending_epochs=epoch_list[matured_index + 1:], updated_block=block))
            if open_challenge:
                challenges.append(dict(
                    contract=escrow, campaign_id=chain_id, number=1, epoch=epoch_list[-1],
                    challenger=publisher_addresses[1], bond=10 * UNIT, deadline=chain_now + 86400,
                    opened_block=block, updated_block=block))
            for p, address in enumerate(publisher_addresses):
                shares.append(dict(contract=escrow, campaign_id=chain_id, publisher=address,
                                   settled=publisher_matured, paid=paid, fees=publisher_matured - paid,
                                   updated_block=block))
                tallies.append(dict(campaign_id=chain_id, publisher=address, impressions=8 * count, clicks=count,
                                    earned=(8 * IMPRESSION_PRICE + CLICK_PRICE) * count))
                for half in (1, 2):  # two payouts each: halfway, then up to the matured root
                    block += 1
                    payouts.append(dict(
                        block_number=block, log_index=p, contract=escrow, tx_hash=_hash(),
                        block_timestamp=chain_now - 86400 // half, campaign_id=chain_id, publisher=address,
                        cumulative_earned=publisher_matured * half // 2, amount=paid // 2,
                        fee=(publisher_matured - paid) // 2))

        session.execute(insert(OutboxTransaction.__table__), outbox_rows)
        session.execute(insert(Campaign.__table__), campaign_rows)
        session.execute(insert(CampaignAction.__table__), action_rows)
        ids = session.execute(
            insert(Settlement.__table__).returning(Settlement.__table__.c.id, sort_by_parameter_order=True),
            settlement_rows).scalars().all()
        session.execute(insert(SettlementBalance.__table__),
                        [row | {"settlement_id": ids[index]} for index, _p, row in balances_later])
        session.execute(insert(AdPublisherTally.__table__), tallies)
        for table, rows in ((chain.Campaign, chain_campaigns), (chain.Settlement, chain_settlement_rows),
                            (chain.CampaignPublisher, shares), (chain.Payout, payouts), (chain.Challenge, challenges)):
            if rows:
                session.execute(insert(table.__table__), rows)

        # -- offers for the consumer wallet --------------------------------------------------------------
        categories = hex32(data_categories_hash(("age-band", "country", "interests")))
        session.execute(insert(chain.ConsentOffer.__table__), [dict(
            contract=deployed.address("ConsentRegistry"), offer_id=n + 1, advertiser=advertiser.chain_address,
            token=token, purpose=hex32(purpose_hash("dpv:Marketing")), data_categories_hash=categories,
            compensation=UNIT, cap=1000, period_length=30 * 86400, published_block=2000 + n, grants=n,
            updated_block=2000 + n) for n in range(offers)])

        # -- products ----------------------------------------------------------------------------------
        product_ids = [uuid.uuid4() for _ in range(products)]
        batch_ids = [uuid.uuid4() for _ in range(products)]
        result.gtins = [gtin_of(g) for g in range(products)]
        provenance = deployed.address("ProvenanceRegistry")
        session.execute(insert(Product.__table__), [dict(
            id=product_ids[g], gtin=result.gtins[g], brand_id=brand_id, name=f"Watch model {g}",
            metadata_cid="bafk" + secrets.token_hex(28), created_at=now - timedelta(minutes=g)) for g in range(products)])
        session.execute(insert(SerialBatch.__table__), [dict(
            id=batch_ids[g], product_id=product_ids[g], serials_root=_hash(), serial_count=serials, chain_batch_id=g + 1,
            created_at=now - timedelta(minutes=g)) for g in range(products)])
        session.execute(insert(chain.Product.__table__), [dict(
            contract=provenance, gtin=int(result.gtins[g]), brand=brand_address, metadata_cid="0x",
            recalled=g % 97 == 0, registered_block=10, updated_block=10) for g in range(products)])
        session.execute(insert(chain.ProductBatch.__table__), [dict(
            contract=provenance, serial_batch_id=g + 1, gtin=int(result.gtins[g]), brand=brand_address,
            serials_root=_hash(), serial_count=serials, metadata_cid="0x", registered_block=11, updated_block=11)
            for g in range(products)])
        anchor_id = uuid.uuid4()
        anchored_at = now - timedelta(days=2)
        session.execute(insert(AnchorBatch.__table__), [dict(
            id=anchor_id, actor_id=brand_id, brand_id=brand_id, events_root=_hash(), event_count=products * len(STEPS),
            nonce=1, chain_batch_id=_hash(), status=ProvenanceAnchorStatus.ANCHORED, anchored_block=3000,
            created_at=anchored_at, anchored_at=anchored_at)])
        session.execute(insert(chain.ProvenanceAnchor.__table__), [dict(
            block_number=3000, log_index=0, contract=provenance, tx_hash=_hash(),
            block_timestamp=int(anchored_at.timestamp()), batch_id=_hash(), actor=brand_address, brand=brand_address,
            events_root=_hash(), event_count=products * len(STEPS), document_cid="0x", nonce=1)])
        session.commit()

    # -- the bulk: ad events and product items, by COPY ------------------------------------------------
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=False) as connection:
        cursor = connection.cursor()
        batches = []
        events = []
        batch_id = 0
        event_id = 0
        for settlement in settlement_rows:
            received = settlement["epoch"] * EPOCH_SECONDS + 5
            for p, address in enumerate(publisher_addresses):
                batch_id += 1
                batches.append((batch_id, address, secrets.token_bytes(32), received, 10, 9, 1, 0, 0))
                for k in range(10):
                    event_id += 1
                    kind, status, reason, price = (
                        ("impression", "billed", None, IMPRESSION_PRICE) if k < 8 else
                        ("click", "billed", None, CLICK_PRICE) if k == 8 else
                        ("impression", "filtered", "datacenter_ip", None))
                    events.append((event_id, batch_id, address, f"e{event_id}", settlement["campaign_id"], kind,
                                   received - 3, received, settlement["epoch"], secrets.token_bytes(32)[:8].hex(),
                                   secrets.token_bytes(32), status, reason, price))
        result.counts["ad_batches"] = _copy(cursor, "ad_batches", (
            "id", "publisher", "body_sha256", "received_at", "event_count", "accepted_count", "filtered_count",
            "duplicate_count", "rejected_count"), batches)
        result.counts["ad_events"] = _copy(cursor, "ad_events", (
            "id", "batch_id", "publisher", "client_event_id", "campaign_id", "kind", "occurred_at", "received_at",
            "epoch", "impression_id", "event_hash", "status", "reason", "price"), events)
        result.counts["product_items"] = _copy(cursor, "product_item", ("id", "batch_id", "gtin", "serial"), (
            (g * serials + s + 1, batch_ids[g], result.gtins[g], serial_of(s))
            for g in range(products) for s in range(serials)))
        sites = [f"https://id.gs1.org/414/{with_check_digit(f'9506000134{n:02d}')}" for n in range(len(STEPS))]
        start = now - timedelta(days=10)
        event_rows, links = [], []
        for g in range(products):
            for step_index, (step, disposition, hours) in enumerate(STEPS):
                number = g * len(STEPS) + step_index + 1
                when = start + timedelta(hours=hours, minutes=g)
                event_rows.append((number, f"ni:///sha-256;{number:064x}?ver=CBV2.0", brand_id, brand_id, "ObjectEvent",
                                   step, disposition, when, "+01:00", f"{sites[step_index]}/254/1", sites[step_index],
                                   '{"event":{},"namespaces":{}}', when, anchor_id))
                links.append((g * serials + 1, number))
        result.counts["epcis_events"] = _copy(cursor, "epcis_event", (
            "id", "event_hash", "actor_id", "brand_id", "event_type", "biz_step", "disposition", "event_time",
            "time_zone_offset", "read_point", "biz_location", "document", "recorded_at", "anchor_batch_id"), event_rows)
        _copy(cursor, "epcis_event_item", ("item_id", "event_id"), links)
        for table, column, value in (("ad_batches", "id", batch_id), ("ad_events", "id", event_id),
                                     ("product_item", "id", products * serials),
                                     ("epcis_event", "id", len(event_rows)), ("outbox_transactions", "id", outbox_id)):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), %s)", (value,))
        connection.commit()
        connection.autocommit = True
        cursor.execute("VACUUM (ANALYZE)")
    result.counts |= {"campaigns": campaigns, "settled_epochs": len(settlement_rows), "products": products,
                      "publishers": PUBLISHERS, "open_challenges": len(challenges), "offers": offers}
    return result
