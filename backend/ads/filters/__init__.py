"""Invalid-traffic filters: each event gets one reason code, or none if it may be billed."""

from backend.ads.filters.campaigns import campaign_reason
from backend.ads.filters.frequency import (
    FrequencyCounter,
    FrequencyPolicy,
    MemoryFrequencyCounter,
    RedisFrequencyCounter,
)
from backend.ads.filters.history import History
from backend.ads.filters.reasons import FilterReason
from backend.ads.filters.screen import BatchContext, Screener, Screening, ScreeningPolicy
from backend.ads.filters.traffic_lists import TrafficLists

__all__ = [
    "BatchContext",
    "FilterReason",
    "FrequencyCounter",
    "FrequencyPolicy",
    "History",
    "MemoryFrequencyCounter",
    "RedisFrequencyCounter",
    "Screener",
    "Screening",
    "ScreeningPolicy",
    "TrafficLists",
    "campaign_reason",
]
