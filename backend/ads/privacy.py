"""Personal data in events: IPs and device ids, kept only as keyed hashes, for a while.

HMAC-SHA256 under a server key (setting ``TRUSTLEDGER_ADS_HASH_KEY``): equal inputs
still match, so frequency caps and audits work, but a leaked table cannot be reversed
by hashing all 2^32 IPv4 addresses, as a plain hash could. Each kind of value has its
own domain tag, so an IP and a device id never collide. The hashes are purged after
the retention period and never enter a Merkle leaf or an event hash.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import Connection, or_, select, update

from backend.ads.models import AdEvent

MIN_KEY_BYTES = 32
DAY = 86_400


class _Keyed:
    """HMAC-SHA256 (RFC 2104) of `tag` + value under one key, with both padded-key states built once.

    ``H((K ^ opad) || H((K ^ ipad) || tag || value))``: per value, two copies of prepared
    hashlib states. ``hmac.HMAC.copy`` does the same in C but wraps it in a new Python
    object per value; these plain copies cost about half as much (0.6 against 1.1 µs),
    for a batch's 2,000 values. The digest is the standard one: ``hmac`` computes it too.
    """

    def __init__(self, key: bytes, tag: bytes):
        block = hashlib.sha256().block_size
        if len(key) > block:
            key = hashlib.sha256(key).digest()
        key = key.ljust(block, b"\x00")
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key))
        self._inner.update(tag)
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in key))

    def digest(self, value: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(value)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


class KeyedHasher:
    def __init__(self, key: bytes):
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"the hashing key needs at least {MIN_KEY_BYTES} bytes")
        # Each domain's HMAC, keyed and tagged once: hmac.digest would set the key up again
        # for every one of a batch's 2,000 values.
        self._ip = _Keyed(key, b"ip\x00")
        self._device = _Keyed(key, b"device\x00")

    def ip(self, packed: bytes) -> bytes:
        """Of an address packed by ``ip.pack_ip`` (IPv4-mapped IPv6 is already IPv4 there)."""
        return self._ip.digest(packed)

    def device(self, device_id: str) -> bytes:
        return self._device.digest(device_id.encode())


def retention_cutoff(now: int, retention_days: int) -> int:
    if retention_days < 1:
        raise ValueError("retention is at least one day")
    return now - retention_days * DAY


def purge_personal_data(connection: Connection, received_before: int, limit: int = 50_000) -> int:
    """Erase the keyed hashes of up to ``limit`` events received before the cutoff; returns how many.

    Bounded so each call is a short transaction: the purge task commits and calls
    again until it returns 0, instead of locking days of events in one statement.
    """
    table = AdEvent.__table__
    due = (
        select(table.c.id)
        .where(table.c.received_at < received_before)
        .where(or_(table.c.ip_hash.is_not(None), table.c.device_hash.is_not(None)))
        .limit(limit)
    )
    result = connection.execute(
        update(table).where(table.c.id.in_(due.scalar_subquery())).values(ip_hash=None, device_hash=None)
    )
    return result.rowcount
