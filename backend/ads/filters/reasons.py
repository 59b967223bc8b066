from __future__ import annotations

from enum import StrEnum


class FilterReason(StrEnum):
    """Why an event is invalid traffic: stored with the event, never billed, counted in reports.

    When several apply, the first in this order is reported (the screen checks them in
    this order and stops at the first).
    """

    UNKNOWN_PUBLISHER = "unknown_publisher"
    UNKNOWN_CAMPAIGN = "unknown_campaign"
    CAMPAIGN_UNFUNDED = "campaign_unfunded"
    CAMPAIGN_PAUSED = "campaign_paused"
    CAMPAIGN_ENDED = "campaign_ended"
    BUDGET_EXHAUSTED = "budget_exhausted"
    TIMESTAMP_TOO_OLD = "timestamp_too_old"
    TIMESTAMP_IN_FUTURE = "timestamp_in_future"
    BOT_USER_AGENT = "bot_user_agent"
    DATACENTER_IP = "datacenter_ip"
    IP_FREQUENCY_CAP = "ip_frequency_cap"
    DEVICE_FREQUENCY_CAP = "device_frequency_cap"
    CLICK_WITHOUT_IMPRESSION = "click_without_impression"
    CONVERSION_WITHOUT_CLICK = "conversion_without_click"
    CONVERSION_OUTSIDE_WINDOW = "conversion_outside_window"
