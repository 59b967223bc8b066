"""The checks on the campaigns a batch names: unknown, not this publisher's, not serving, out of budget.

The caller builds ``CampaignState`` (``backend.campaigns.phase``) from the chain mirror
and the campaign's terms; screening never reads the chain itself.
"""

from __future__ import annotations

from backend.ads.filters.reasons import FilterReason
from backend.campaigns.phase import CampaignPhase, CampaignState

_PHASE_REASONS = {
    CampaignPhase.UNFUNDED: FilterReason.CAMPAIGN_UNFUNDED,
    CampaignPhase.PAUSED: FilterReason.CAMPAIGN_PAUSED,
    CampaignPhase.ENDED: FilterReason.CAMPAIGN_ENDED,
}


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
