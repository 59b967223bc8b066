from __future__ import annotations

import pytest

from backend.ads.filters import (
    FilterReason,
    FrequencyPolicy,
    History,
    MemoryFrequencyCounter,
    Screener,
    ScreeningPolicy,
    TrafficLists,
)
from backend.ads.ip import pack_ip
from backend.campaigns.kinds import EventKind
from backend.campaigns.phase import CampaignPhase
from tests.ads.factories import (
    BOT_AGENT,
    DATACENTER_IP,
    NOW,
    OTHER_PUBLISHER,
    PUBLISHER,
    campaign,
    click,
    conversion,
    impression,
    lists,
    screen,
    terms,
)

DAY = 86_400
R = FilterReason


def test_clean_traffic_passes_every_filter():
    events = [impression("i1"), click("c1", "i1", "k1"), conversion("v1", "k1")]
    assert screen(events) == {"i1": None, "c1": None, "v1": None}


def test_an_inactive_publisher_is_unknown_for_every_event():
    assert set(screen([impression("i1"), impression("i2")], publisher_active=False).values()) == {R.UNKNOWN_PUBLISHER}


def test_a_publisher_outside_the_campaigns_publishers_is_unknown_to_it():
    campaigns = {
        1: campaign(publishers=frozenset({OTHER_PUBLISHER})),
        2: campaign(2, publishers=frozenset({PUBLISHER})),
    }
    result = screen([impression("i1"), impression("i2", campaign_id=2)], campaigns=campaigns)
    assert result == {"i1": R.UNKNOWN_PUBLISHER, "i2": None}


def test_an_unknown_campaign_is_filtered():
    assert screen([impression("i1", campaign_id=99)]) == {"i1": R.UNKNOWN_CAMPAIGN}


@pytest.mark.parametrize(
    ("phase", "reason"),
    [
        (CampaignPhase.UNFUNDED, R.CAMPAIGN_UNFUNDED),
        (CampaignPhase.PAUSED, R.CAMPAIGN_PAUSED),
        (CampaignPhase.ENDED, R.CAMPAIGN_ENDED),
        (CampaignPhase.ACTIVE, None),
    ],
)
def test_a_campaign_that_is_not_running_filters_its_events(phase, reason):
    assert screen([impression("i1")], campaigns={1: campaign(phase=phase)}) == {"i1": reason}


@pytest.mark.parametrize(
    ("deposit", "spent", "reserve", "reason"),
    [(1_000, 1_000, 0, R.BUDGET_EXHAUSTED), (1_000, 999, 0, None), (1_000, 800, 200, R.BUDGET_EXHAUSTED)],
)
def test_an_exhausted_budget_filters_the_campaigns_events(deposit, spent, reserve, reason):
    state = campaign(deposit=deposit, spent=spent, reserve=reserve)
    assert screen([impression("i1")], campaigns={1: state}) == {"i1": reason}


@pytest.mark.parametrize(
    ("timestamp", "reason"),
    [
        (NOW - 2 * DAY, None),
        (NOW - 2 * DAY - 1, R.TIMESTAMP_TOO_OLD),
        (NOW + 300, None),
        (NOW + 301, R.TIMESTAMP_IN_FUTURE),
    ],
)
def test_timestamps_too_old_or_in_the_future_are_filtered(timestamp, reason):
    assert screen([impression("i1", timestamp=timestamp)]) == {"i1": reason}


@pytest.mark.parametrize(
    ("agent", "reason"),
    [
        (BOT_AGENT, R.BOT_USER_AGENT),
        ("CURL/8.4.0", R.BOT_USER_AGENT),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", None),
        (None, None),
    ],
)
def test_bot_user_agents_are_filtered(agent, reason):
    assert screen([impression("i1", user_agent=agent)]) == {"i1": reason}


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        (DATACENTER_IP, R.DATACENTER_IP),
        ("52.31.255.255", R.DATACENTER_IP),
        ("52.32.0.0", None),
        ("::ffff:52.1.2.3", R.DATACENTER_IP),
        ("2600:1f00::1", R.DATACENTER_IP),
        ("2a02:1::1", None),
        (None, None),
    ],
)
def test_data_centre_ips_are_filtered(ip, reason):
    assert screen([impression("i1", ip=ip)]) == {"i1": reason}


def test_the_first_reason_in_order_is_reported():
    old_bot = impression("i1", timestamp=NOW - 3 * DAY, user_agent=BOT_AGENT, ip=DATACENTER_IP)
    assert screen([old_bot]) == {"i1": R.TIMESTAMP_TOO_OLD}
    assert screen([impression("i2", user_agent=BOT_AGENT, ip=DATACENTER_IP)]) == {"i2": R.BOT_USER_AGENT}


def capped(per_ip=None, per_device=None, window=DAY, counter=None) -> Screener:
    policy = ScreeningPolicy(frequency=FrequencyPolicy(window, per_ip or {}, per_device or {}))
    return Screener(lists(), counter or MemoryFrequencyCounter(), policy)


def test_the_per_ip_frequency_cap_filters_events_past_the_cap_across_batches():
    screener = capped(per_ip={EventKind.IMPRESSION: 3})
    first = screen([impression(f"a{i}") for i in range(2)], screener=screener)
    second = screen([impression(f"b{i}") for i in range(3)], screener=screener)
    assert list(first.values()) == [None, None]
    assert list(second.values()) == [None, R.IP_FREQUENCY_CAP, R.IP_FREQUENCY_CAP]


def test_the_per_device_frequency_cap_counts_one_device_across_ips():
    screener = capped(per_device={EventKind.IMPRESSION: 2})
    events = [impression(f"i{n}", ip=f"81.2.69.{n}", device_id="phone-1") for n in range(4)]
    events.append(impression("other", device_id="phone-2"))
    capped_device = [None, None, R.DEVICE_FREQUENCY_CAP, R.DEVICE_FREQUENCY_CAP, None]
    assert list(screen(events, screener=screener).values()) == capped_device


def test_the_ip_cap_is_reported_before_the_device_cap():
    screener = capped(per_ip={EventKind.IMPRESSION: 1}, per_device={EventKind.IMPRESSION: 1})
    events = [impression("i1", device_id="d"), impression("i2", device_id="d")]
    assert screen(events, screener=screener)["i2"] is R.IP_FREQUENCY_CAP


def test_frequency_caps_are_per_campaign_kind_and_window():
    screener = capped(per_ip={EventKind.IMPRESSION: 1, EventKind.CLICK: 1}, window=3_600)
    window_start = (NOW // 3_600) * 3_600
    events = [
        impression("i1", timestamp=window_start),
        impression("i2", timestamp=window_start - 1),  # previous hour
        impression("i3", campaign_id=2, timestamp=window_start),
        click("c1", "i1", timestamp=window_start + 1),
        impression("i4", timestamp=window_start + 5),
    ]
    result = screen(events, campaigns={1: campaign(), 2: campaign(2)}, screener=screener)
    assert result == {"i1": None, "i2": None, "i3": None, "c1": None, "i4": R.IP_FREQUENCY_CAP}


def test_filtered_events_do_not_reach_the_frequency_counters():
    counter = MemoryFrequencyCounter()
    screener = capped(per_ip={EventKind.IMPRESSION: 1}, counter=counter)
    screen([impression("bot", user_agent=BOT_AGENT)], screener=screener)
    assert screen([impression("human")], screener=screener) == {"human": None}


def test_a_click_needs_an_earlier_unfiltered_impression_of_the_same_campaign():
    events = [
        impression("i1"),
        impression("bot", user_agent=BOT_AGENT),
        impression("late", timestamp=NOW - 10),
        click("c1", "i1"),
        click("c2", "missing"),
        click("c3", "bot"),
        click("c4", "late", timestamp=NOW - 20),
        click("c5", "i1", campaign_id=2),
    ]
    result = screen(events, campaigns={1: campaign(), 2: campaign(2)})
    assert {k: v for k, v in result.items() if k.startswith("c")} == {
        "c1": None,
        "c2": R.CLICK_WITHOUT_IMPRESSION,
        "c3": R.CLICK_WITHOUT_IMPRESSION,
        "c4": R.CLICK_WITHOUT_IMPRESSION,
        "c5": R.CLICK_WITHOUT_IMPRESSION,
    }


def test_a_click_may_follow_an_impression_stored_earlier():
    history = History(impressions={(1, "old-impression"): NOW - 3_600})
    assert screen([click("c1", "old-impression")], history=history) == {"c1": None}


def test_a_conversion_needs_an_unfiltered_click_with_its_click_id():
    events = [
        impression("i1"),
        click("c1", "i1", "k1"),
        click("c2", "nothing", "k2"),
        conversion("v1", "k1"),
        conversion("v2", "k2"),
        conversion("v3", "unknown"),
    ]
    result = screen(events)
    assert (result["v1"], result["v2"], result["v3"]) == (None, R.CONVERSION_WITHOUT_CLICK, R.CONVERSION_WITHOUT_CLICK)


@pytest.mark.parametrize(
    ("click_age", "reason"),
    [(7 * DAY, None), (7 * DAY + 1, R.CONVERSION_OUTSIDE_WINDOW), (-1, R.CONVERSION_OUTSIDE_WINDOW)],
)
def test_a_conversion_must_come_within_the_attribution_window_of_its_click(click_age, reason):
    state = campaign(terms=terms(cpa=100, conditions={"attribution_window_days": 7}))
    converted_at = NOW - 60
    history = History(clicks={(1, "k1"): converted_at - click_age})
    result = screen([conversion("v1", "k1", timestamp=converted_at)], campaigns={1: state}, history=history)
    assert result == {"v1": reason}


def test_the_shipped_lists_load_and_catch_well_known_bots_and_clouds():
    shipped = TrafficLists.from_files()
    assert shipped.is_bot(BOT_AGENT) and shipped.is_bot("python-requests/2.32")
    assert not shipped.is_bot("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15")
    assert shipped.is_datacenter(pack_ip("3.120.0.1"))  # AWS
    assert shipped.is_datacenter(pack_ip("2a01:4f8::1"))  # Hetzner
    assert not shipped.is_datacenter(pack_ip("81.2.69.160"))


def test_lists_are_read_from_configurable_files_with_comments(tmp_path):
    agents = tmp_path / "agents.txt"
    agents.write_text("# our own list\nAcmeProbe  # internal monitor\n\n")
    ranges = tmp_path / "ranges.txt"
    ranges.write_text("10.0.0.0/8\n10.1.0.0/16  # overlaps, merged\n192.0.2.0/24\n")
    custom = TrafficLists.from_files(agents, ranges)
    assert custom.is_bot("acmeprobe/1.0") and not custom.is_bot(BOT_AGENT)
    assert custom.is_datacenter(pack_ip("10.200.0.1")) and custom.is_datacenter(pack_ip("192.0.2.255"))
    assert not custom.is_datacenter(pack_ip("11.0.0.0")) and not custom.is_datacenter(pack_ip("192.0.3.0"))
