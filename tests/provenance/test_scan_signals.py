import hashlib
import hmac
from datetime import datetime, timedelta, timezone

import pytest

from backend.provenance.scan_signals import (
    IpCountryTable,
    Scan,
    ScanPolicy,
    client_key,
    counted,
    countries,
    distance_km,
    is_link_preview,
    summarise,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36"


def scan(minutes, client, country, agent=PHONE):
    return Scan(T0 + timedelta(minutes=minutes), client, country, is_link_preview(agent))


@pytest.mark.parametrize(
    "agent",
    [
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "WhatsApp/2.23.20.0 A",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "TelegramBot (like TwitterBot)",
        "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17 Safari/605.1.15 (Applebot/0.1)",
        "curl/8.5.0",
        "",
        None,
    ],
)
def test_link_preview_agents_are_not_people(agent):
    assert is_link_preview(agent)


@pytest.mark.parametrize("agent", [PHONE, ANDROID, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0"])
def test_browsers_are_people(agent):
    assert not is_link_preview(agent)


def test_bots_and_repeat_loads_are_not_counted():
    scans = [scan(0, "a", "DE")] + [scan(m, "a", "DE") for m in range(1, 40)]
    scans += [scan(2, "bot", "US", "facebookexternalhit/1.1"), scan(3, "bot2", "JP", "WhatsApp/2.23")]
    scans += [scan(5, "b", "DE", ANDROID)]
    signals = summarise(scans)
    assert signals.scans == 2 and signals.distinct_clients == 2
    assert signals.far_apart is None  # the bots' far-away "scans" are ignored
    assert [s.client for s in counted(scans)] == ["a", "b"]


def test_far_apart_scans_within_a_short_window_are_flagged():
    signals = summarise([scan(0, "a", "DE"), scan(90, "b", "JP")])
    assert signals.far_apart is not None
    assert (signals.far_apart.first_country, signals.far_apart.second_country) == ("Germany", "Japan")
    assert signals.far_apart.apart == timedelta(minutes=90)


@pytest.mark.parametrize(
    "first, second, minutes",
    [
        ("DE", "JP", 20 * 60),  # a flight's worth of time between them
        ("FR", "BE", 5),  # neighbours: border shoppers, centroid error
        ("DE", "DE", 1),
        ("DE", None, 1),  # unknown location proves nothing
    ],
)
def test_possible_journeys_are_not_flagged(first, second, minutes):
    assert summarise([scan(0, "a", first), scan(minutes, "b", second)]).far_apart is None


def test_speed_and_distance_are_policy():
    scans = [scan(0, "a", "DE"), scan(20 * 60, "b", "JP")]
    assert summarise(scans, ScanPolicy(max_speed_kmh=300)).far_apart is not None
    assert summarise([scan(0, "a", "FR"), scan(5, "b", "BE")], ScanPolicy(min_distance_km=100)).far_apart is not None


def test_distances_between_country_centroids():
    table = countries()
    assert 8500 < distance_km(table["DE"], table["JP"]) < 9500
    assert distance_km(table["FR"], table["FR"]) == 0


def test_ip_table_from_the_sample_and_from_a_configured_path(tmp_path):
    sample = IpCountryTable.load()
    assert sample.country("192.0.2.5") == "DE"
    assert sample.country("192.0.2.200") == "FR"
    assert sample.country("198.51.100.255") == "US"
    assert sample.country("2001:db8:1::42") == "AU"
    assert sample.country("::ffff:203.0.113.9") == "GB"
    assert sample.country("8.8.8.8") is None
    assert sample.country("not-an-ip") is None
    custom = tmp_path / "table.csv"
    custom.write_text("start,end,country\n10.0.0.0,10.255.255.255,nz\n")
    assert IpCountryTable.load(custom).country("10.1.2.3") == "NZ"
    with pytest.raises(ValueError):
        IpCountryTable([("10.0.0.9", "10.0.0.1", "NZ")])


@pytest.mark.parametrize(("ip", "country"), [
    ("192.0.2.127", "DE"),                  # the last address of a range
    ("192.0.2.128", "FR"),                  # the first of the next
    ("::ffff:198.51.100.7", "JP"),          # IPv4-mapped IPv6 is its IPv4 address
    ("::FFFF:c633:6407", "JP"),             # the same, written in hex
    ("2001:db8::1", "NL"),
    ("2001:db8:1::42%eth0", "AU"),          # a scoped address: the scope is no part of it
    ("2001:db8:2::1", None),                # past the last IPv6 range
    ("::198.51.100.7", None),               # IPv4-compatible (deprecated) is IPv6, not IPv4
    ("01.2.3.4", None),                     # leading zeros: ambiguous (octal?), refused
    ("192.0.2", None),
    ("1", None),
    ("", None),
    ("junk", None),
    ("192.0.2.5 ", None),
])
def test_ip_table_parses_addresses_strictly(ip, country):
    assert IpCountryTable.load().country(ip) == country


def test_client_keys_are_keyed_and_stable():
    key = client_key(b"k1", "192.0.2.5", PHONE)
    assert key == client_key(b"k1", "192.0.2.5", PHONE) and len(key) == 32
    assert key != client_key(b"k2", "192.0.2.5", PHONE)
    assert key != client_key(b"k1", "192.0.2.6", PHONE)
    assert "192.0.2.5" not in key
    # The same value as an HMAC object's, so the keys of scans stored before stay comparable.
    message = f"192.0.2.5\n{PHONE}".encode()
    assert key == hmac.new(b"k1", message, hashlib.sha256).hexdigest()[:32]
