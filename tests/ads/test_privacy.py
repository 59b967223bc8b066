from __future__ import annotations

import hashlib
import hmac

import pytest
from sqlalchemy import text

from backend.ads.ip import pack_ip
from backend.ads.privacy import KeyedHasher, purge_personal_data, retention_cutoff
from tests.ads.factories import HASH_KEY, HOME_IP, HUMAN_AGENT, NOW, impression, ingest

DAY = 86_400


def test_ips_and_device_ids_are_hmac_sha256_under_the_key_with_a_domain_tag():
    hasher = KeyedHasher(HASH_KEY)
    packed = pack_ip(HOME_IP)
    assert hasher.ip(packed) == hmac.new(HASH_KEY, b"ip\x00" + packed, hashlib.sha256).digest()
    assert hasher.device("phone-1") == hmac.new(HASH_KEY, b"device\x00phone-1", hashlib.sha256).digest()
    assert hasher.ip(packed) != hashlib.sha256(packed).digest()


@pytest.mark.parametrize("key_length", [32, 63, 64, 65, 200])
def test_the_prepared_hmac_equals_the_standard_library_for_any_key_length_and_value(key_length):
    key = bytes(range(256))[:key_length]
    hasher = KeyedHasher(key)
    for value in (b"", b"\x00", bytes(4), bytes(range(16)), b"x" * 1000):
        assert hasher.ip(value) == hmac.new(key, b"ip\x00" + value, hashlib.sha256).digest()
    for device in ("", "phone-1", "é" * 100):
        assert hasher.device(device) == hmac.new(key, b"device\x00" + device.encode(), hashlib.sha256).digest()


def test_the_same_value_under_another_key_hashes_differently():
    assert KeyedHasher(HASH_KEY).device("d") != KeyedHasher(b"z" * 32).device("d")


def test_an_ipv4_address_hashes_the_same_written_as_ipv4_mapped_ipv6():
    hasher = KeyedHasher(HASH_KEY)
    assert hasher.ip(pack_ip("::ffff:81.2.69.160")) == hasher.ip(pack_ip(HOME_IP))
    assert hasher.ip(pack_ip("2001:db8::1")) == hasher.ip(pack_ip("2001:0db8:0::1"))


def test_a_short_key_is_refused():
    with pytest.raises(ValueError):
        KeyedHasher(b"k" * 31)


def test_the_retention_cutoff_is_counted_in_days():
    assert retention_cutoff(NOW, 30) == NOW - 30 * DAY
    with pytest.raises(ValueError):
        retention_cutoff(NOW, 0)


def _rows(engine) -> list[tuple]:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT client_event_id, ip_hash, device_hash FROM ad_events ORDER BY client_event_id")
        ).all()


def test_stored_events_hold_keyed_hashes_and_never_the_clear_values(engine):
    ingest(engine, [impression("i1", device_id="phone-1")])
    with engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM ad_events")).mappings().one()
    hasher = KeyedHasher(HASH_KEY)
    assert row["ip_hash"] == hasher.ip(pack_ip(HOME_IP)) and row["device_hash"] == hasher.device("phone-1")
    stored = repr(dict(row)).encode()
    for clear in (HOME_IP.encode(), pack_ip(HOME_IP), b"phone-1", HUMAN_AGENT.encode()):
        assert clear not in stored


def test_purge_erases_the_hashes_of_events_older_than_the_cutoff_in_bounded_steps(engine):
    ingest(engine, [impression("old-1"), impression("old-2")], received_at=NOW - 40 * DAY)
    ingest(engine, [impression("new-1", ip=None)], received_at=NOW)
    cutoff = retention_cutoff(NOW, 30)
    with engine.begin() as connection:
        assert purge_personal_data(connection, cutoff, limit=1) == 1
    with engine.begin() as connection:
        assert purge_personal_data(connection, cutoff) == 1
        assert purge_personal_data(connection, cutoff) == 0
    rows = _rows(engine)
    assert [(event_id, ip, device) for event_id, ip, device in rows if event_id.startswith("old")] == [
        ("old-1", None, None),
        ("old-2", None, None),
    ]
    (new,) = [row for row in rows if row[0] == "new-1"]
    assert new[1] is None and new[2] is not None
