"""GCRA state in Redis, shared by every API process: the step runs atomically as a Lua script.

All the checks of one request go in one call, all or nothing. The script is loaded once and
called by its SHA (EVALSHA, loaded again if Redis forgot it) on a connection of the calling
thread's own, packed and read by redis-py's ``Connection`` directly: the client's command
path (pool checkout with a readiness poll, retries, observability hooks) cost about 70 us of
CPU per call, four times the round trip itself. The caller's clock is passed in, so processes must keep
their clocks in step (NTP), as the rest of the platform already needs. A key expires when
its TAT passes. Redis down or slow: the store logs a warning (at most one per
``WARN_EVERY_S``) and lets the request through — limits are a guard, not a dependency —
and does not try Redis again for ``PAUSE_AFTER_FAILURE_S``, so an unanswering Redis costs
one timeout per pause, not one per request.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Sequence
from functools import lru_cache

from redis import Redis
from redis.connection import AbstractConnection
from redis.exceptions import NoScriptError, RedisError

from backend.limits.memory_store import Entry
from backend.limits.rate import Rate

logger = logging.getLogger(__name__)

WARN_EVERY_S = 30.0
PAUSE_AFTER_FAILURE_S = 5.0  # after a failed call, let requests through without trying Redis for this long

# KEYS the keys; ARGV now_us, then interval_us, tolerance_us, cost per key. All or nothing:
# returns {-1, 0} when every key passed (and was spent), else {index (1-based), microseconds to
# wait rounded up} of the key with the longest wait, and spends nothing.
GCRA_LUA = """
local now = tonumber(ARGV[1])
local tats = {}
local refused, wait = -1, 0
for i = 1, #KEYS do
  local interval = tonumber(ARGV[3 * i - 1])
  local tolerance = tonumber(ARGV[3 * i])
  local cost = tonumber(ARGV[3 * i + 1])
  local tat = now
  local stored = redis.call('GET', KEYS[i])
  if stored then
    tat = tonumber(stored)
    if tat < now then tat = now end
  end
  local new_tat = tat + cost * interval
  local late = new_tat - tolerance - now
  if late > wait then
    refused, wait = i, late
  end
  tats[i] = new_tat
end
if refused > 0 then
  return {refused, math.ceil(wait)}
end
for i = 1, #KEYS do
  local ttl_ms = math.ceil((tats[i] - now) / 1000)
  if ttl_ms < 1 then ttl_ms = 1 end
  redis.call('SET', KEYS[i], string.format('%.17g', tats[i]), 'PX', ttl_ms)
end
return {-1, 0}
"""


@lru_cache(maxsize=64)
def _rate_args(rate: Rate) -> tuple[str, str]:
    return repr(rate.interval_us), repr(rate.tolerance_us)


class RedisStore:
    def __init__(self, client: Redis, prefix: str):
        self._client = client
        self._prefix = prefix
        self._sha = client.register_script(GCRA_LUA).sha
        self._local = threading.local()
        # Weakly held, so a dropped store is not kept alive by the fork hook.
        reference = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (store := reference()) is not None and store._forget_connections())
        self._script = self._evalsha
        self._warned_at = float("-inf")
        self._paused_until = float("-inf")
        self._warn_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, prefix: str, timeout_s: float = 0.25) -> "RedisStore":
        client = Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        return cls(client, prefix)

    def spend(self, key: str, rate: Rate, cost: int, now_us: float) -> float:
        """Spend ``cost`` of ``key``'s allowance: 0 if it passed (or Redis is unreachable), else microseconds to wait."""
        return self.spend_all([(key, rate, cost)], now_us)[1]

    def spend_all(self, entries: Sequence[Entry], now_us: float) -> tuple[int, float]:
        """All entries in one round trip, all or nothing, as ``MemoryStore.spend_all``; ``(-1, 0)`` if Redis is unreachable."""
        if self._paused_until > time.monotonic():
            return -1, 0.0
        keys = [self._prefix + key for key, _, _ in entries]
        args: list[str | int] = [repr(float(now_us))]
        for _, rate, cost in entries:
            args += [*_rate_args(rate), cost]
        try:
            refused, wait_us = self._script(keys=keys, args=args)
        except RedisError as exc:
            self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE_S
            self._warn(exc)
            return -1, 0.0
        return (int(refused) - 1 if refused > 0 else -1), float(wait_us)

    def _forget_connections(self) -> None:
        """In a forked child: the parent's sockets are not this process's to use."""
        self._local = threading.local()

    def _connection(self) -> AbstractConnection:
        """This thread's connection (made on first use, from the client's pool settings); a forked child makes its own
        (``os.register_at_fork`` resets them: no ``getpid`` system call per request)."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            pool = self._client.connection_pool
            connection = self._local.connection = pool.connection_class(**pool.connection_kwargs)
        return connection

    def _evalsha(self, keys: list[str], args: list[str | int]) -> list[int]:
        """The script's reply; loads the script again if Redis answers NOSCRIPT (restarted or flushed).
        On any error the connection is closed, so a late reply never answers the next call."""
        connection = self._connection()
        try:
            try:
                return self._call(connection, "EVALSHA", self._sha, len(keys), *keys, *args)
            except NoScriptError:
                self._sha = self._call(connection, "SCRIPT", "LOAD", GCRA_LUA)
                if isinstance(self._sha, bytes):
                    self._sha = self._sha.decode()
                return self._call(connection, "EVALSHA", self._sha, len(keys), *keys, *args)
        except (RedisError, OSError):
            connection.disconnect()
            raise

    @staticmethod
    def _call(connection: AbstractConnection, *command: str | int):
        connection.send_packed_command(connection.pack_command(*command), check_health=False)
        return connection.read_response()

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        with self._warn_lock:
            if now - self._warned_at < WARN_EVERY_S:
                return
            self._warned_at = now
        logger.warning("rate limits not enforced: Redis is unreachable (%s); letting requests through", exc)
