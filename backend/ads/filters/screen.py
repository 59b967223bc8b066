"""Screens a batch for invalid traffic: one reason per event, or None if it may be billed.

Checks run in ``FilterReason``'s order and an event keeps the first reason found:
1. the publisher and the campaign (known, open to the publisher, funded, running,
   budget left);
2. the timestamp (not older than ``max_event_age``, not ahead of the server clock by
   more than ``max_clock_skew``);
3. bot user agent, data-centre IP;
4. frequency caps per IP and per device (one counter call for the whole batch);
5. attribution: a click needs an earlier impression it names (stored or in this
   batch, not filtered); a conversion needs a click with its ``click_id`` (stored or in
   this batch, not filtered) no more than the campaign's attribution window before it.
Cheap, local checks come first so the counters only see traffic that could count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from backend.ads.events import Event
from backend.ads.filters.campaigns import campaign_reason
from backend.campaigns.phase import CampaignState
from backend.ads.filters.frequency import FrequencyCounter, FrequencyPolicy
from backend.ads.filters.history import History
from backend.ads.filters.reasons import FilterReason
from backend.ads.filters.traffic_lists import TrafficLists
from backend.campaigns.kinds import EventKind

DAY = 86_400


@dataclass(frozen=True)
class ScreeningPolicy:
    max_event_age: int = 2 * DAY
    max_clock_skew: int = 300
    frequency: FrequencyPolicy = field(default_factory=FrequencyPolicy)

    @property
    def counter_ttl(self) -> int:
        # A window stays countable while events inside it can still arrive.
        return self.frequency.window_seconds + self.max_event_age + self.max_clock_skew


@dataclass(frozen=True)
class BatchContext:
    publisher: str
    publisher_active: bool
    campaigns: Mapping[int, CampaignState]
    history: History
    now: int


@dataclass(frozen=True)
class Screening:
    reasons: list[FilterReason | None]
    click_at: list[int | None]  # conversions that passed: when their click happened


class Screener:
    def __init__(self, lists: TrafficLists, counter: FrequencyCounter, policy: ScreeningPolicy | None = None):
        self._lists = lists
        self._counter = counter
        self.policy = policy or ScreeningPolicy()

    def screen(
        self,
        events: Sequence[Event],
        packed_ips: Sequence[bytes | None],
        ip_hashes: Sequence[bytes | None],
        device_hashes: Sequence[bytes | None],
        context: BatchContext,
    ) -> Screening:
        """``packed_ips`` (``ip.pack_ip``) and the keyed hashes run parallel to ``events``."""
        reasons = self._static(events, packed_ips, context)
        self._frequency(events, ip_hashes, device_hashes, reasons)
        click_at = self._attribution(events, context, reasons)
        return Screening(reasons, click_at)

    def _static(
        self, events: Sequence[Event], packed_ips: Sequence[bytes | None], context: BatchContext
    ) -> list[FilterReason | None]:
        if not context.publisher_active:
            return [FilterReason.UNKNOWN_PUBLISHER] * len(events)
        by_campaign: dict[int, FilterReason | None] = {}
        oldest = context.now - self.policy.max_event_age
        newest = context.now + self.policy.max_clock_skew
        lists = self._lists
        reasons: list[FilterReason | None] = []
        for event, packed_ip in zip(events, packed_ips):
            campaign_id = event.campaign_id
            if campaign_id not in by_campaign:
                by_campaign[campaign_id] = campaign_reason(context.campaigns.get(campaign_id), context.publisher)
            reason = by_campaign[campaign_id]
            if reason is None:
                if event.timestamp < oldest:
                    reason = FilterReason.TIMESTAMP_TOO_OLD
                elif event.timestamp > newest:
                    reason = FilterReason.TIMESTAMP_IN_FUTURE
                elif lists.is_bot(event.user_agent):
                    reason = FilterReason.BOT_USER_AGENT
                elif lists.is_datacenter(packed_ip):
                    reason = FilterReason.DATACENTER_IP
            reasons.append(reason)
        return reasons

    def _frequency(
        self,
        events: Sequence[Event],
        ip_hashes: Sequence[bytes | None],
        device_hashes: Sequence[bytes | None],
        reasons: list[FilterReason | None],
    ) -> None:
        policy = self.policy.frequency
        increments: dict[str, int] = {}
        # (event index, key, the event's place among the batch's events of that key, cap, reason)
        slots: list[tuple[int, str, int, int, FilterReason]] = []
        # Unrolled for the two kinds of key, names bound locally: this loop runs twice per event.
        window, per_ip, per_device = policy.window_seconds, policy.per_ip, policy.per_device
        ip_reason, device_reason = FilterReason.IP_FREQUENCY_CAP, FilterReason.DEVICE_FREQUENCY_CAP
        codes = {kind: kind.code for kind in EventKind}
        for index, (event, reason, ip_hash, device_hash) in enumerate(zip(events, reasons, ip_hashes, device_hashes)):
            if reason is not None:
                continue
            kind = event.kind
            ip_cap, device_cap = per_ip.get(kind), per_device.get(kind)
            scope = f"{event.campaign_id}:{codes[kind]}:{event.timestamp // window}"
            if ip_hash is not None and ip_cap is not None:
                key = f"{scope}:i:{ip_hash[:16].hex()}"
                place = increments[key] = increments.get(key, 0) + 1
                slots.append((index, key, place, ip_cap, ip_reason))
            if device_hash is not None and device_cap is not None:
                key = f"{scope}:d:{device_hash[:16].hex()}"
                place = increments[key] = increments.get(key, 0) + 1
                slots.append((index, key, place, device_cap, device_reason))
        if not slots:
            return
        totals = self._counter.add(increments, self.policy.counter_ttl)
        for index, key, place, cap, reason in slots:
            if reasons[index] is None and totals[key] - increments[key] + place > cap:
                reasons[index] = reason

    def _attribution(
        self, events: Sequence[Event], context: BatchContext, reasons: list[FilterReason | None]
    ) -> list[int | None]:
        history = context.history
        shown: dict[tuple[int, str], int] = {}
        clicked: dict[tuple[int, str], int] = {}
        click_at: list[int | None] = [None] * len(events)
        for index, event in enumerate(events):
            if reasons[index] is None and event.kind is EventKind.IMPRESSION:
                shown[(event.campaign_id, event.event_id)] = event.timestamp
        for index, event in enumerate(events):
            if reasons[index] is not None or event.kind is not EventKind.CLICK:
                continue
            key = (event.campaign_id, event.impression_id)
            impression_at = history.impressions.get(key, shown.get(key))
            if impression_at is None or impression_at > event.timestamp:
                reasons[index] = FilterReason.CLICK_WITHOUT_IMPRESSION
            else:
                clicked.setdefault((event.campaign_id, event.click_id), event.timestamp)
        for index, event in enumerate(events):
            if reasons[index] is not None or event.kind is not EventKind.CONVERSION:
                continue
            key = (event.campaign_id, event.click_id)
            clicked_at = history.clicks.get(key, clicked.get(key))
            window = context.campaigns[event.campaign_id].terms.attribution_window_seconds
            if clicked_at is None:
                reasons[index] = FilterReason.CONVERSION_WITHOUT_CLICK
            elif not 0 <= event.timestamp - clicked_at <= window:
                reasons[index] = FilterReason.CONVERSION_OUTSIDE_WINDOW
            else:
                click_at[index] = clicked_at
        return click_at
