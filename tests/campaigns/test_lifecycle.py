"""A campaign's life through the API on anvil: create, fund and top up (idempotent), pause, unpause,
end, refund after the windows; the mirror's view after each settle, pending transactions before it."""

from datetime import UTC, datetime

from sqlmodel import Session, func, select

from backend.campaigns.models import CampaignAction
from backend.chain.outbox import OutboxTransaction
from backend.core.db import engine_for
from backend.identity.roles import Role
from tests.api.support import BOTH_DATABASES
from tests.campaigns.support import UNIT, keyed
from tests.factories import increase_time, now


def outbox_count(settings) -> int:
    with Session(engine_for(settings.database_url)) as session:
        return session.exec(select(func.count()).select_from(OutboxTransaction)).one()


def post(chain_api, who, path: str, body: dict | None = None, key: str | None = None):
    return chain_api.client.post(path, json=body, headers=keyed(who.headers, key))


@BOTH_DATABASES
def test_campaign_lifecycle_on_chain(chain_api, database_url):
    advertiser = chain_api.funded_advertiser(5_000 * UNIT)
    campaign = chain_api.create(advertiser, budget=1_000 * UNIT, challenge_window=3_600)
    assert campaign["status"] == "unfunded" and campaign["chain"]["campaign_id"] == 1
    assert campaign["anchored_at"] is not None and campaign["challenge_window"] == 3_600
    base = f"/v1/campaigns/{campaign['id']}"

    funded = post(chain_api, advertiser, f"{base}/fund", {"amount": 1_000 * UNIT}, key="fund-1")
    assert funded.status_code == 202, funded.text
    assert [t["kind"] for t in funded.json()["transactions"]] == ["SettlementToken.approve", "CampaignEscrow.fund"]
    assert {t["status"] for t in funded.json()["transactions"]} == {"queued"}
    before = chain_api.get(advertiser, campaign["id"])
    assert before["status"] == "unfunded" and before["deposit"] == "0"
    assert [t["kind"] for t in before["pending_transactions"]] == ["SettlementToken.approve", "CampaignEscrow.fund"]
    report = chain_api.client.get(f"{base}/report", headers=advertiser.headers).json()
    assert report["pending_deposit"] == str(1_000 * UNIT) and report["deposit"] == "0"

    rows = outbox_count(chain_api.settings)
    replay = post(chain_api, advertiser, f"{base}/fund", {"amount": str(1_000 * UNIT)}, key="fund-1")
    assert replay.status_code == 202 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.content == funded.content
    assert outbox_count(chain_api.settings) == rows, "a replay queues nothing"
    reused = post(chain_api, advertiser, f"{base}/fund", {"amount": 2_000 * UNIT}, key="fund-1")
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_key_reused"

    chain_api.settle()
    active = chain_api.get(advertiser, campaign["id"])
    assert (active["status"], active["deposit"], active["available"]) == ("active", str(1_000 * UNIT), str(1_000 * UNIT))
    assert active["pending_transactions"] == []

    top_up = post(chain_api, advertiser, f"{base}/fund", {"amount": "500000000"}, key="top-up")
    assert top_up.status_code == 202, top_up.text
    chain_api.settle()
    topped = chain_api.get(advertiser, campaign["id"])
    assert (topped["deposit"], topped["budget"]) == (str(1_500 * UNIT), str(1_500 * UNIT)), "budget follows top-ups"

    assert post(chain_api, advertiser, f"{base}/pause").status_code == 202
    chain_api.settle()
    assert chain_api.get(advertiser, campaign["id"])["status"] == "paused"
    again = post(chain_api, advertiser, f"{base}/pause")
    assert again.status_code == 409 and again.json()["error"]["code"] == "campaign_paused"
    assert post(chain_api, advertiser, f"{base}/unpause").status_code == 202
    pending = post(chain_api, advertiser, f"{base}/end")
    assert pending.status_code == 409 and pending.json()["error"]["code"] == "transaction_pending"
    chain_api.settle()
    assert chain_api.get(advertiser, campaign["id"])["status"] == "active"

    other = chain_api.onboard(chain_api.admin(), Role.ADVERTISER, "someone else")
    assert chain_api.client.get(base, headers=other.headers).status_code == 404
    assert post(chain_api, other, f"{base}/fund", {"amount": 1}).status_code == 404
    assert chain_api.client.get("/v1/campaigns", headers=other.headers).json() == []
    assert [c["id"] for c in chain_api.client.get("/v1/campaigns", headers=advertiser.headers).json()] == [campaign["id"]]

    assert post(chain_api, advertiser, f"{base}/end").status_code == 202
    chain_api.settle()
    ended = chain_api.get(advertiser, campaign["id"])
    assert ended["status"] == "ended" and ended["end_time"] <= now(chain_api.w3)
    late = post(chain_api, advertiser, f"{base}/pause")
    assert late.status_code == 409 and late.json()["error"]["code"] == "campaign_ended"
    early = post(chain_api, advertiser, f"{base}/refund")
    assert early.status_code == 409 and early.json()["error"]["code"] == "refund_not_available"
    available_at = early.json()["error"]["details"]["available_at"]
    assert available_at == ended["refund_available_at"] == ended["end_time"] + 7 * 86_400 + 3_600

    increase_time(chain_api.w3, available_at - now(chain_api.w3))
    chain_api.settle()
    refunded = post(chain_api, advertiser, f"{base}/refund", key="refund")
    assert refunded.status_code == 202, refunded.text
    chain_api.settle()
    closed = chain_api.client.get(f"{base}/report", headers=advertiser.headers).json()
    assert (closed["status"], closed["refunded"], closed["available"]) == ("closed", str(1_500 * UNIT), "0")
    wallet = chain_api.client.get(f"/v1/tokens/balances/{advertiser.participant_id}", headers=advertiser.headers).json()
    assert [(w["symbol"], w["balance"]) for w in wallet] == [("tUSD", str(5_000 * UNIT)), ("tEUR", "0")]
    after = post(chain_api, advertiser, f"{base}/fund", {"amount": 1})
    assert after.status_code == 409 and after.json()["error"]["code"] == "campaign_closed"

    with Session(engine_for(chain_api.settings.database_url)) as session:
        kinds = session.exec(select(CampaignAction.kind).order_by(CampaignAction.created_at)).all()
    assert kinds == ["create", "fund", "fund", "pause", "unpause", "end", "refund"]


def test_a_create_the_chain_refuses_shows_the_campaign_failed_with_the_reason(chain_api):
    advertiser = chain_api.funded_advertiser()
    ends_at = datetime.fromtimestamp(now(chain_api.w3) + 600, UTC).isoformat()
    created = post(chain_api, advertiser, "/v1/campaigns", chain_api.campaign_body(ends_at=ends_at))
    assert created.status_code == 201 and created.json()["status"] == "pending"

    increase_time(chain_api.w3, 3_600)  # the end time passes before the transaction is sent
    chain_api.settle()

    failed = chain_api.get(advertiser, created.json()["id"])
    assert failed["status"] == "failed" and failed["chain"]["campaign_id"] is None
    assert failed["anchor_error"].startswith("CampaignEscrowInvalidEndTime(")
    assert [t["kind"] for t in failed["failed_transactions"]] == ["CampaignEscrow.createCampaign"]
    refused = post(chain_api, advertiser, f"/v1/campaigns/{failed['id']}/fund", {"amount": 1})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "campaign_failed"
