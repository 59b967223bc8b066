"""A campaign as event screening sees it: its phase, deposit, spend and terms.

``backend.campaigns.state`` builds it from the chain mirror; the ad filters
(``backend.ads.filters.campaigns``) turn it into a filter reason and never read the chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from backend.campaigns.terms import CampaignTerms


class CampaignPhase(StrEnum):
    UNFUNDED = "unfunded"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


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
