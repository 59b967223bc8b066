"""The limiter the settings ask for: its store (memory or Redis) and one rate per class."""

from __future__ import annotations

from backend.core.config import Settings
from backend.limits.limiter import LimitClass, Limiter
from backend.limits.memory_store import MemoryStore
from backend.limits.rate import parse_rate
from backend.limits.redis_store import RedisStore


def store_kind(settings: Settings) -> str:
    """``memory`` or ``redis``: ``auto`` is Redis once TRUSTLEDGER_REDIS_URL is set (production), memory embedded."""
    if settings.rate_limit_backend != "auto":
        return settings.rate_limit_backend
    return "redis" if settings.redis_url else "memory"


def limiter_for(settings: Settings) -> Limiter | None:
    """None when TRUSTLEDGER_RATE_LIMITS_ENABLED is false."""
    if not settings.rate_limits_enabled:
        return None
    rates = {limit_class: parse_rate(getattr(settings, limit_class.value)) for limit_class in LimitClass}
    if store_kind(settings) == "redis":
        if not settings.redis_url:
            raise ValueError("TRUSTLEDGER_RATE_LIMIT_BACKEND=redis needs TRUSTLEDGER_REDIS_URL")
        return Limiter(RedisStore.from_url(settings.redis_url, settings.rate_limit_redis_prefix), rates)
    return Limiter(MemoryStore(), rates)
