"""The hourly purge of keyed IP and device hashes past retention; the ads settings and their checks."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import text

from backend.campaigns.kinds import EventKind
from backend.ads.settings import DEVELOPMENT_HASH_KEY, AdsHashKeyInvalid, hash_key, screening_policy
from backend.ads.tasks import purge_expired
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.worker.celery_app import BEAT_SCHEDULE, TASK_MODULES
from tests.ads.factories import NOW, impression
from tests.ads_api.support import DAY, at


def hashes(ingest) -> dict[str, tuple[bool, bool]]:
    return {
        row["client_event_id"]: (row["ip_hash"] is not None, row["device_hash"] is not None)
        for row in ingest.events()
    }


def test_purge_erases_the_hashes_of_events_past_retention_only(ingest):
    ingest.campaign(1)
    publisher = ingest.publisher()
    for n in range(3):
        day = NOW + n * DAY
        ingest.api.clock.fixed = at(day)
        events = [impression(f"day{n}-a", timestamp=day), impression(f"day{n}-b", timestamp=day)]
        assert ingest.post(publisher, events, timestamp=day).status_code == 202
    engine = engine_for(ingest.url)

    # Retention 30 days, 30.5 days after the first batch: only day 0 is due. Chunks of 1 commit one row each.
    purged = purge_expired(engine, NOW + 30 * DAY + DAY // 2, retention_days=30, chunk=1)
    assert purged == 2
    assert hashes(ingest) == {
        "day0-a": (False, False),
        "day0-b": (False, False),
        "day1-a": (True, True),
        "day1-b": (True, True),
        "day2-a": (True, True),
        "day2-b": (True, True),
    }
    # Everything else about the events stays (they may still be billed and proven).
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM ad_events WHERE event_hash IS NOT NULL")).scalar_one() == 6
    assert purge_expired(engine, NOW + 30 * DAY + DAY // 2, retention_days=30) == 0
    assert purge_expired(engine, NOW + 40 * DAY, retention_days=7) == 4


def test_the_purge_is_a_beat_task():
    assert "backend.ads.tasks" in TASK_MODULES
    assert BEAT_SCHEDULE["purge-ad-personal-data"]["task"] == "backend.ads.tasks.purge_personal_data"


def test_the_hash_key_setting():
    assert hash_key(Settings(environment="test")) == DEVELOPMENT_HASH_KEY
    key = bytes(range(32))
    assert hash_key(Settings(environment="production", ads_hash_key=base64.b64encode(key).decode())) == key
    with pytest.raises(AdsHashKeyInvalid, match="not set"):
        hash_key(Settings(environment="production"))
    with pytest.raises(AdsHashKeyInvalid, match="at least 32 bytes"):
        hash_key(Settings(ads_hash_key=base64.b64encode(b"short").decode()))
    with pytest.raises(AdsHashKeyInvalid, match="base64"):
        hash_key(Settings(ads_hash_key="not base64!"))
    with pytest.raises(ValueError, match="TRUSTLEDGER_ADS_HASH_KEY is a placeholder"):
        Settings(environment="production", ads_hash_key="change-me-ads-hash-key")


def test_the_screening_policy_follows_the_settings():
    policy = screening_policy(
        Settings(ads_max_event_age=3_600, ads_max_clock_skew=10, ads_ip_cap_clicks=3, ads_device_cap_conversions=1)
    )
    assert (policy.max_event_age, policy.max_clock_skew) == (3_600, 10)
    assert policy.frequency.per_ip == {EventKind.IMPRESSION: 200, EventKind.CLICK: 3, EventKind.CONVERSION: 10}
    assert policy.frequency.per_device == {EventKind.IMPRESSION: 100, EventKind.CLICK: 10, EventKind.CONVERSION: 1}
