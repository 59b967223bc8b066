from __future__ import annotations

import pytest

from backend.ads.components import build_ingest_components
from backend.ads.replay import MemoryReplayCache, RedisReplayCache
from tests.ads.factories import BOT_AGENT, HASH_KEY, impression, ingest


def test_without_redis_the_embedded_components_keep_state_in_process(sqlite_engine):
    components = build_ingest_components(hash_key=HASH_KEY, epoch_seconds=30)
    assert isinstance(components.replay_cache, MemoryReplayCache)
    events = [impression("i1"), impression("b1", user_agent=BOT_AGENT)]
    report = ingest(sqlite_engine, events, using=components.ingestor)
    assert report.accepted == ("i1",) and report.filtered == {"b1": "bot_user_agent"}


@pytest.mark.redis
def test_with_redis_the_components_share_state_through_it(redis_client, redis_prefix, sqlite_engine):
    components = build_ingest_components(
        hash_key=HASH_KEY, epoch_seconds=30, redis=redis_client, key_prefix=redis_prefix
    )
    assert isinstance(components.replay_cache, RedisReplayCache)
    assert components.replay_cache.claim("k") and not components.replay_cache.claim("k")
    assert ingest(sqlite_engine, [impression("i1")], using=components.ingestor).accepted == ("i1",)
    counters = list(redis_client.scan_iter(match=f"{redis_prefix}freq:*"))
    assert len(counters) == 2  # the impression's IP and device
