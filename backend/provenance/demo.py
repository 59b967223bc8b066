"""The provenance part of the demo, through the public API only.

A brand and a supply-chain actor apply as custodial participants and are approved; the
brand registers a product with serials and authorises the actor; the actor posts the
item's EPCIS history; the anchoring pass signs it with the actor's custodial key and the
relayer sends it; the indexer mirrors it; the Digital Link page then reads "genuine".

``client`` is anything with httpx's ``get``/``post`` (a ``TestClient`` on
``create_app(settings)`` or an ``httpx.Client`` on a running API). The settings need the
chain (manifest, deployer and relayer keys) and a master key for custodial keys.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from eth_account import Account
from sqlmodel import Session

from backend.chain.sender import drain_outbox
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.identity.participants import AdminExists, bootstrap_admin
from backend.provenance.anchoring import Anchorer
from backend.provenance.digital_link import DigitalLink, resolver_base
from backend.provenance.gtin import with_check_digit
from indexer import Indexer, IndexerSettings

DEMO_COMPANY_PREFIX = "0950600"  # GS1's example prefix; the item reference is random so reruns never collide
SERIAL = "0001"
SITE = "https://id.gs1.org/414/9506000134000"
HISTORY = (  # (business step, disposition, hours before now)
    ("commissioning", None, 72),
    ("inspecting", "conformant", 70),
    ("packing", None, 48),
    ("shipping", "in_transit", 24),
)


class HttpClient(Protocol):
    def get(self, url: str, **kwargs: Any) -> Any: ...

    def post(self, url: str, **kwargs: Any) -> Any: ...


class DemoStepFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class ProvenanceDemo:
    product_url: str  # the GS1 Digital Link printed in the QR code
    page_path: str  # the same page on this API: /01/{gtin}/21/{serial}
    verdict: str
    reason: str
    timeline: list[str]  # one line per event: step, place, anchored block
    brand_api_key: str = ""  # the demo brand's key, for the brand console's sign-in


def _ok(response: Any, step: str, status: int = 201) -> Any:
    if response.status_code != status:
        raise DemoStepFailed(f"{step}: HTTP {response.status_code} {response.text}")
    return response.json()


def _admin_key(settings: Settings) -> str:
    deployer = settings.deployer_private_key
    address = Account.from_key(deployer.get_secret_value()).address if deployer else None
    with Session(engine_for(settings.database_url)) as session:
        try:
            _participant, issued = bootstrap_admin(session, display_name="Demo admin", address=address)
        except AdminExists as exc:
            raise DemoStepFailed(f"{exc}; pass admin_key") from None
        session.commit()
        return issued.secret


def _join(client: HttpClient, admin: dict[str, str], name: str, role: str) -> tuple[str, dict[str, str], str]:
    """(participant id, its API headers, its custodial address) of an approved participant."""
    created = _ok(client.post("/v1/participants", json={
        "display_name": name, "requested_roles": [role], "custody_mode": "custodial",
    }), f"apply as {name}")
    participant = created["participant"]
    approval = {"roles": [role], "kyc_expires_at": (datetime.now(UTC) + timedelta(days=365)).isoformat()}
    _ok(client.post(f"/v1/participants/{participant['id']}/approve", json=approval,
                    headers={**admin, "Idempotency-Key": str(uuid.uuid4())}), f"approve {name}", 200)
    return participant["id"], {"X-API-Key": created["api_keys"][0]["key"]}, participant["chain_address"]


def _history(gtin: str) -> dict:
    now = datetime.now(UTC).replace(microsecond=0)
    events = []
    for step, disposition, hours in HISTORY:
        event = {
            "type": "ObjectEvent", "action": "OBSERVE", "bizStep": step,
            "epcList": [f"https://id.gs1.org/01/{gtin}/21/{SERIAL}"],
            "eventTime": (now - timedelta(hours=hours)).isoformat(), "eventTimeZoneOffset": "+01:00",
            "readPoint": {"id": SITE + "/254/1"}, "bizLocation": {"id": SITE},
        }
        if disposition:
            event["disposition"] = disposition
        events.append(event)
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0",
        "creationDate": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "epcisBody": {"eventList": events},
    }


def _anchor_and_mirror(settings: Settings, progress: Callable[[str], None]) -> None:
    anchorer = Anchorer(settings)
    try:
        built = anchorer.run_once()
        progress(f"anchoring: {built.built} batch built, {built.submitted} signed by the actor and queued")
        drain_outbox(settings, timeout=60)
        settled = anchorer.run_once()
        progress(f"anchoring: {settled.anchored} batch mined")
    finally:
        anchorer.close()
    indexer = Indexer(IndexerSettings(
        database_url=settings.database_url, rpc_url=settings.rpc_url, manifest_path=settings.manifest_path,
    ))
    try:
        indexer.sync_to_head(timeout=60)
    finally:
        indexer.close()


def run_provenance_demo(
    client: HttpClient,
    settings: Settings,
    *,
    admin_key: str | None = None,
    fund: Callable[[str], None] | None = None,
    progress: Callable[[str], None] = lambda _message: None,
) -> ProvenanceDemo:
    """Register, record, anchor and verify one product; returns its Digital Link and the page's verdict.

    `admin_key` is an admin's API key (when None, the first admin is bootstrapped);
    `fund(address)` gives a new custodial address gas where the chain charges for it (anvil).
    """
    admin = {"X-API-Key": admin_key or _admin_key(settings)}
    brand_id, brand, brand_address = _join(client, admin, "Acme Watches", "brand")
    actor_id, actor, actor_address = _join(client, admin, "Acme Factory Geneva", "supply_chain_actor")
    if fund is not None:
        fund(brand_address)
        fund(actor_address)
    drain_outbox(settings, timeout=60)
    progress(f"brand {brand_address} and supply-chain actor {actor_address} approved on chain")

    gtin = with_check_digit(f"{DEMO_COMPANY_PREFIX}{secrets.randbelow(10**6):06d}")
    _ok(client.post("/v1/products", headers=brand, json={
        "gtin": gtin, "name": "Chronograph 42", "metadata": {"case": "steel", "movement": "automatic"},
    }), "register the product")
    _ok(client.post(f"/v1/products/{gtin}/serials", headers=brand, json={"ranges": [{"first": 1, "last": 3, "width": 4}]}),
        "register serials")
    _ok(client.post("/v1/products/actors", headers=brand, json={"actor_id": actor_id}), "authorise the actor")
    drain_outbox(settings, timeout=60)
    progress(f"product {gtin} with serials 0001-0003 registered; actor authorised")

    recorded = _ok(client.post(f"/v1/products/events?brand_id={brand_id}", headers=actor, json=_history(gtin)),
                   "post the EPCIS events")
    progress(f"{len(recorded)} EPCIS events recorded")
    _anchor_and_mirror(settings, progress)

    link = DigitalLink(gtin, SERIAL)
    page = _ok(client.get(link.path(), headers={"Accept": "application/json"}), "open the product page", 200)
    return ProvenanceDemo(
        product_url=link.uri(resolver_base(settings.digital_link_resolver or settings.public_base_url)),
        page_path=link.path(),
        verdict=page["verdict"],
        reason=page["reason"],
        brand_api_key=brand["X-API-Key"],
        timeline=[
            f"{event['step']}{': ' + event['outcome'] if event['outcome'] else ''} at {event['place']}, "
            + (f"anchored in block {event['anchoredBlock']}" if event["anchoredBlock"] is not None else "pending")
            for event in page["events"]
        ],
    )
