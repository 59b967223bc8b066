"""GCRA state in Redis, shared by every API process: the step runs atomically as a Lua script.

The script is registered once (``register_script``) and called by its SHA (EVALSHA,
loaded again if Redis forgot it). The caller's clock is passed in, so processes must keep
their clocks in step (NTP), as the rest of the platform already needs. A key expires when
its TAT passes. Redis down or slow: the store logs a warning (at most one per
``WARN_EVERY_S``) and lets the request through — limits are a guard, not a dependency.
"""

from __future__ import annotations

import logging
import threading
import time

from redis import Redis
from redis.exceptions import RedisError

from backend.limits.rate import Rate

logger = logging.getLogger(__name__)

WARN_EVERY_S = 30.0

# KEYS[1] the key; ARGV now_us, interval_us, tolerance_us, cost. Returns 0 (allowed) or the
# microseconds to wait, rounded up (Lua numbers reach Redis as integers).
GCRA_LUA = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local stored = redis.call('GET', KEYS[1])
local tat = now
if stored then
  tat = tonumber(stored)
  if tat < now then tat = now end
end
local new_tat = tat + cost * interval
local allow_at = new_tat - tolerance
if allow_at > now then
  return math.ceil(allow_at - now)
end
local ttl_ms = math.ceil((new_tat - now) / 1000)
if ttl_ms < 1 then ttl_ms = 1 end
redis.call('SET', KEYS[1], string.format('%.17g', new_tat), 'PX', ttl_ms)
return 0
"""


class RedisStore:
    def __init__(self, client: Redis, prefix: str):
        self._client = client
        self._prefix = prefix
        self._script = client.register_script(GCRA_LUA)
        self._warned_at = float("-inf")
        self._warn_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, prefix: str, timeout_s: float = 0.25) -> "RedisStore":
        client = Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        return cls(client, prefix)

    def spend(self, key: str, rate: Rate, cost: int, now_us: float) -> float:
        """Spend ``cost`` of ``key``'s allowance: 0 if it passed (or Redis is unreachable), else microseconds to wait."""
        args = [repr(float(now_us)), repr(rate.interval_us), repr(rate.tolerance_us), cost]
        try:
            return float(self._script(keys=[self._prefix + key], args=args))
        except RedisError as exc:
            self._warn(exc)
            return 0.0

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        with self._warn_lock:
            if now - self._warned_at < WARN_EVERY_S:
                return
            self._warned_at = now
        logger.warning("rate limits not enforced: Redis is unreachable (%s); letting requests through", exc)
