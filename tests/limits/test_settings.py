"""The settings choose the store and the rates; a bad rate or CIDR stops the app at start-up."""

from __future__ import annotations

import secrets

import pytest
from redis import Redis

from backend.api.main import create_app
from backend.core.config import Settings
from backend.limits.errors import LimitRefusal, OverBurst, RateLimited
from backend.limits.factory import limiter_for, store_kind
from backend.limits.limiter import LimitClass
from backend.limits.memory_store import MemoryStore
from backend.limits.rate import parse_rate
from backend.limits.redis_store import RedisStore
from backend.core import errors as kinds

REDIS_URL = "redis://127.0.0.1:6379/0"


def test_every_default_rate_parses_and_lets_a_largest_batch_through():
    settings = Settings()
    rates = {c: parse_rate(getattr(settings, c.value)) for c in LimitClass}
    assert all(rate is not None for rate in rates.values())
    assert rates[LimitClass.EVENT_BYTES_PER_PUBLISHER].burst >= 4 * 1024 * 1024  # MAX_BODY_BYTES
    assert rates[LimitClass.EVENTS_PER_PUBLISHER].burst >= 10_000  # MAX_EVENTS


def test_auto_is_redis_when_a_redis_url_is_set_and_memory_embedded():
    assert store_kind(Settings()) == "memory"
    assert store_kind(Settings(redis_url=REDIS_URL)) == "redis"
    assert store_kind(Settings(redis_url=REDIS_URL, rate_limit_backend="memory")) == "memory"
    assert isinstance(limiter_for(Settings()).store, MemoryStore)
    assert isinstance(limiter_for(Settings(redis_url=REDIS_URL)).store, RedisStore)
    assert limiter_for(Settings(rate_limits_enabled=False)) is None
    with pytest.raises(ValueError, match="needs TRUSTLEDGER_REDIS_URL"):
        limiter_for(Settings(rate_limit_backend="redis"))


def test_off_disables_one_class():
    limiter = limiter_for(Settings(scans_per_ip="off"))
    assert limiter.rate(LimitClass.SCANS_PER_IP) is None
    assert limiter.rate(LimitClass.SCANS_PER_SERIAL) is not None


@pytest.mark.parametrize("field, value", [("signin_per_ip", "20 a minute"), ("trusted_proxies", "10.0.0.0/8, nope")])
def test_a_bad_setting_stops_the_app_at_start_up(field, value):
    with pytest.raises(ValueError):
        create_app(Settings(**{field: value}))


def test_the_refusals_are_cases_of_one_family_with_their_kinds():
    assert issubclass(RateLimited, kinds.TooMany) and issubclass(RateLimited, LimitRefusal)
    assert issubclass(OverBurst, kinds.TooLarge) and issubclass(OverBurst, LimitRefusal)
    refused = RateLimited("slow down", 2.5, {"limit_class": "scans_per_ip", "retry_after": 3})
    assert (refused.code, refused.message, refused.retry_after) == ("rate_limited", "slow down", 2.5)
    assert OverBurst("too big", {"cost": 9}).code == "over_burst"


@pytest.mark.redis
def test_the_app_counts_in_redis_in_production(tmp_path):
    from fastapi.testclient import TestClient

    from backend.db.migrate import upgrade_database
    from tests.api.conftest import write_manifest
    from tests.api.support import BASE_URL

    prefix = f"tl:test:limits:app:{secrets.token_hex(6)}:"
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'api.db'}",
        manifest_path=write_manifest(tmp_path / "deployment.json", "0x00000000000000000000000000000000000000A1"),
        public_base_url=BASE_URL,
        redis_url=REDIS_URL,
        rate_limit_redis_prefix=prefix,
        signin_per_ip="3/hour",
    )
    upgrade_database(settings.database_url)
    try:
        with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
            # two apps (two API processes) share one allowance
            codes = [client.post("/v1/auth/nonce").status_code for client in (first, second, first, second, first)]
            assert codes == [201, 201, 201, 429, 429]
            refused = second.post("/v1/auth/nonce")
            assert refused.headers["retry-after"] == "1200"
    finally:
        client = Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=prefix + "*"))
        assert keys == [f"{prefix}signin_per_ip:testclient".encode()]
        client.delete(*keys)
        client.close()
