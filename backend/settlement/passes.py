"""Settlement passes with their own sessions: what the Celery tasks, the CLI and the demo call.

Each pass is one transaction per campaign, committed at its end; a pass that fails
leaves nothing behind, so every pass can simply run again.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.ads.models import AdEvent, EventStatus
from backend.campaigns.anchoring import anchor_pending
from backend.campaigns.mirror import Mirror
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.settlement.onchain.writes import SettlementChain
from backend.settlement.payouts.keeper import KeeperResult, keep_campaign
from backend.settlement.models import Settlement, SettlementStatus
from backend.settlement.epochs.settle import SettleResult, Skipped, settle_campaign
from backend.settlement.epochs.store import ConcurrentSettlement
from backend.core.metrics import SETTLEMENT_EPOCHS, SETTLEMENT_LAST_COMMIT

log = logging.getLogger(__name__)


def _mirror(session: Session, chain: SettlementChain) -> Mirror:
    return Mirror(session, chain.chain_id)


def due_campaigns(settings: Settings, *, now: int | None = None) -> list[int]:
    """Campaigns with accepted events in closed epochs; anchors campaigns the mirror has learnt of first."""
    now = int(time.time()) if now is None else now
    chain = SettlementChain.from_settings(settings)
    with Session(engine_for(settings.database_url)) as session:
        if anchor_pending(session, _mirror(session, chain)):
            session.commit()
        return list(
            session.exec(
                select(AdEvent.campaign_id)
                .where(AdEvent.status == EventStatus.ACCEPTED, AdEvent.epoch < now // settings.epoch_seconds)
                .distinct()
                .order_by(AdEvent.campaign_id)
            ).all()
        )


def settle_once(settings: Settings, campaign_id: int, *, now: int | None = None) -> SettleResult:
    """Settle one campaign (``now``: wall-clock unix seconds that decide which epochs have closed)."""
    now = int(time.time()) if now is None else now
    chain = SettlementChain.from_settings(settings)
    with Session(engine_for(settings.database_url)) as session:
        try:
            result = settle_campaign(
                session,
                chain,
                _mirror(session, chain),
                campaign_id,
                now=now,
                epoch_seconds=settings.epoch_seconds,
                reserve_bps=settings.settlement_reserve_bps,
            )
            session.commit()
        except (ConcurrentSettlement, IntegrityError) as exc:
            session.rollback()
            log.warning("campaign %s: another settle pass won: %s", campaign_id, exc)
            SETTLEMENT_EPOCHS.labels(Skipped.CONCURRENT_PASS.value).inc()
            return SettleResult(campaign_id, Skipped.CONCURRENT_PASS)
        except Exception:
            SETTLEMENT_EPOCHS.labels("failed").inc()
            raise
    SETTLEMENT_EPOCHS.labels(epoch_outcome(result)).inc()
    if result.committed:
        SETTLEMENT_LAST_COMMIT.set(time.time())
    if result.skipped not in (None, Skipped.NO_EVENTS):
        log.info("campaign %s not settled: %s", campaign_id, result.skipped)
    return result


def epoch_outcome(result: SettleResult) -> str:
    """The label of trustledger_settlement_epochs_total for one pass over one campaign."""
    if result.skipped is not None:
        return result.skipped.value
    if result.awaiting:
        return "awaiting_attestations"
    return "committed" if result.committed else "not_committable"


def settle_due(settings: Settings, *, now: int | None = None) -> list[SettleResult]:
    """Settle every due campaign in this process (the demo and the CLI; beat fans out to workers instead)."""
    return [settle_once(settings, campaign_id, now=now) for campaign_id in due_campaigns(settings, now=now)]


def kept_campaigns(session: Session, escrow: str) -> list[int]:
    return list(
        session.exec(
            select(Settlement.campaign_id)
            .where(Settlement.escrow_address == escrow, col(Settlement.status) == SettlementStatus.LIVE)
            .distinct()
            .order_by(Settlement.campaign_id)
        ).all()
    )


def keep_once(settings: Settings, campaign_ids: list[int] | None = None) -> list[KeeperResult]:
    """A keeper pass over the given campaigns (default: every campaign with a live settlement)."""
    chain = SettlementChain.from_settings(settings)
    results = []
    with Session(engine_for(settings.database_url)) as session:
        ids = campaign_ids if campaign_ids is not None else kept_campaigns(session, chain.escrow)
    for campaign_id in ids:
        with Session(engine_for(settings.database_url)) as session:
            results.append(keep_campaign(session, chain, _mirror(session, chain), campaign_id))
            session.commit()
    return results
