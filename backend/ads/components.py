"""Builds the ingest path for one process: production (Redis) or embedded (in-process).

The API builds this once at start-up from its settings; the same Redis client serves
the frequency counters and the replay cache, under one key prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from redis import Redis

from backend.ads.filters import (
    MemoryFrequencyCounter,
    RedisFrequencyCounter,
    Screener,
    ScreeningPolicy,
    TrafficLists,
)
from backend.ads.filters.traffic_lists import DEFAULT_BOT_USER_AGENTS, DEFAULT_DATACENTER_RANGES
from backend.ads.ingestion import Ingestor
from backend.ads.privacy import KeyedHasher
from backend.ads.replay import BodyReplayCache, MemoryReplayCache, RedisReplayCache


@dataclass(frozen=True)
class IngestComponents:
    ingestor: Ingestor
    replay_cache: BodyReplayCache


def build_ingest_components(
    *,
    hash_key: bytes,
    epoch_seconds: int,
    redis: Redis | None = None,
    key_prefix: str = "tl:ads:",
    bot_user_agents: Path = DEFAULT_BOT_USER_AGENTS,
    datacenter_ranges: Path = DEFAULT_DATACENTER_RANGES,
    policy: ScreeningPolicy | None = None,
) -> IngestComponents:
    """``redis`` None: the embedded mode, counters and replay cache in this process only."""
    if redis is None:
        counter, replay_cache = MemoryFrequencyCounter(), MemoryReplayCache()
    else:
        counter = RedisFrequencyCounter(redis, prefix=key_prefix + "freq:")
        replay_cache = RedisReplayCache(redis, prefix=key_prefix + "replay:")
    screener = Screener(TrafficLists.from_files(bot_user_agents, datacenter_ranges), counter, policy)
    return IngestComponents(Ingestor(screener, KeyedHasher(hash_key), epoch_seconds), replay_cache)
