"""What a batch needs to know about the campaigns it names, and the checks on it.

The caller builds ``CampaignState`` from the chain mirror (deposit, spent, status) and
the campaign's terms; screening never reads the chain itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from backend.ads.filters.reasons import FilterReason
from backend.ads.terms import CampaignTerms


class CampaignPhase(StrEnum):
    UNFUNDED = "unfunded"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


_PHASE_REASONS = {
    CampaignPhase.UNFUNDED: FilterReason.CAMPAIGN_UNFUNDED,
    CampaignPhase.PAUSED: FilterReason.CAMPAIGN_PAUSED,
    CampaignPhase.ENDED: FilterReason.CAMPAIGN_ENDED,
}


@dataclass(frozen=True)
class CampaignState:
    campaign_id: int
    phase: CampaignPhase
    deposit: int
    spent: int
    terms: CampaignTerms
    reserve: int = 0
    publishers: frozenset[str] | None = None  # checksum addresses allowed; None: every active publisher

    @property
    def budget_exhausted(self) -> bool:
        return self.spent >= self.deposit - self.reserve


def campaign_reason(state: CampaignState | None, publisher: str) -> FilterReason | None:
    if state is None:
        return FilterReason.UNKNOWN_CAMPAIGN
    if state.publishers is not None and publisher not in state.publishers:
        return FilterReason.UNKNOWN_PUBLISHER
    reason = _PHASE_REASONS.get(state.phase)
    if reason is not None:
        return reason
    if state.budget_exhausted:
        return FilterReason.BUDGET_EXHAUSTED
    return None
