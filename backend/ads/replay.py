"""Refuses a batch body that was already accepted, before any work is done on it.

``claim`` is atomic: of two requests carrying the same body at the same moment, one
wins. The route releases its claim when it fails before storing the batch, so a
retried, never-stored body is not locked out. Entries live ``ttl`` seconds, longer
than a signature stays fresh (5 minutes): after that the stale signature refuses the
replay, and ``ad_batches``' unique body hash refuses a re-signed copy durably.

Redis in production (``SET NX EX``, shared by every API process); in-process in the
embedded mode. Same interface, both tested.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Protocol

from redis import Redis

DEFAULT_TTL = 900


def body_digest(body: bytes) -> bytes:
    return hashlib.sha256(body).digest()


def replay_key(publisher: str, digest: bytes) -> str:
    return f"{publisher.lower()}:{digest.hex()}"


class BodyReplayCache(Protocol):
    def claim(self, key: str) -> bool:
        """True if the key was free and is now held; False for a replay."""

    def release(self, key: str) -> None: ...


class MemoryReplayCache:
    def __init__(self, ttl: int = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic):
        self._ttl = ttl
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def claim(self, key: str) -> bool:
        now = self._clock()
        with self._lock:
            expires = self._expiry.get(key)
            if expires is not None and expires > now:
                return False
            self._expiry[key] = now + self._ttl
            if len(self._expiry) > 4096:
                self._expiry = {k: t for k, t in self._expiry.items() if t > now}
            return True

    def release(self, key: str) -> None:
        with self._lock:
            self._expiry.pop(key, None)


class RedisReplayCache:
    def __init__(self, client: Redis, prefix: str = "tl:ads:replay:", ttl: int = DEFAULT_TTL):
        self._client = client
        self._prefix = prefix
        self._ttl = ttl

    def claim(self, key: str) -> bool:
        return bool(self._client.set(self._prefix + key, b"1", nx=True, ex=self._ttl))

    def release(self, key: str) -> None:
        self._client.delete(self._prefix + key)
