"""The ad pipeline's parts as the settings (``TRUSTLEDGER_ADS_*``) configure them.

The hashing key: production refuses to run without ``TRUSTLEDGER_ADS_HASH_KEY`` (and
``Settings`` refuses a placeholder there); development and tests use
``DEVELOPMENT_HASH_KEY``, fixed and public, so the embedded mode needs no set-up and
its hashes protect nothing.
"""

from __future__ import annotations

import base64
import binascii

from redis import Redis

from backend.ads.components import IngestComponents, build_ingest_components
from backend.ads.filters import FrequencyPolicy, ScreeningPolicy
from backend.ads.filters.traffic_lists import DEFAULT_BOT_USER_AGENTS, DEFAULT_DATACENTER_RANGES
from backend.campaigns.kinds import EventKind
from backend.ads.privacy import MIN_KEY_BYTES
from backend.core.config import Settings

DEVELOPMENT_HASH_KEY = b"trustledger development ads hash key (public; never used in production)"


class AdsHashKeyInvalid(RuntimeError):
    pass


def hash_key(settings: Settings) -> bytes:
    if settings.ads_hash_key is None:
        if settings.environment == "production":
            raise AdsHashKeyInvalid("TRUSTLEDGER_ADS_HASH_KEY is not set")
        return DEVELOPMENT_HASH_KEY
    try:
        key = base64.b64decode(settings.ads_hash_key.get_secret_value(), validate=True)
    except (binascii.Error, ValueError):
        raise AdsHashKeyInvalid("TRUSTLEDGER_ADS_HASH_KEY must be base64") from None
    if len(key) < MIN_KEY_BYTES:
        raise AdsHashKeyInvalid(f"TRUSTLEDGER_ADS_HASH_KEY must decode to at least {MIN_KEY_BYTES} bytes")
    return key


def screening_policy(settings: Settings) -> ScreeningPolicy:
    return ScreeningPolicy(
        max_event_age=settings.ads_max_event_age,
        max_clock_skew=settings.ads_max_clock_skew,
        frequency=FrequencyPolicy(
            window_seconds=settings.ads_frequency_window,
            per_ip={
                EventKind.IMPRESSION: settings.ads_ip_cap_impressions,
                EventKind.CLICK: settings.ads_ip_cap_clicks,
                EventKind.CONVERSION: settings.ads_ip_cap_conversions,
            },
            per_device={
                EventKind.IMPRESSION: settings.ads_device_cap_impressions,
                EventKind.CLICK: settings.ads_device_cap_clicks,
                EventKind.CONVERSION: settings.ads_device_cap_conversions,
            },
        ),
    )


def ingest_components(settings: Settings) -> IngestComponents:
    """Redis-backed counters and replay cache when ``TRUSTLEDGER_REDIS_URL`` is set, in-process otherwise."""
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    return build_ingest_components(
        hash_key=hash_key(settings),
        epoch_seconds=settings.epoch_seconds,
        redis=redis,
        key_prefix=settings.ads_redis_prefix,
        bot_user_agents=settings.ads_bot_user_agents_path or DEFAULT_BOT_USER_AGENTS,
        datacenter_ranges=settings.ads_datacenter_ranges_path or DEFAULT_DATACENTER_RANGES,
        policy=screening_policy(settings),
    )
