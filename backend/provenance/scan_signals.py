"""Scan signals of a Digital Link page: who scanned it, and from where, with the noise removed.

- Link-preview bots (a chat app fetching the URL to draw a card) are not scans.
- One client loading the page again and again is one scanner; clients are told apart
  by a keyed hash of IP address and user agent, so no IP is stored.
- Location is only a country, from an offline IP-range table (a sample ships in
  ``data/``; point `IpCountryTable.load` at a full table with the same columns).
- Two scans are *far apart* when the distance between their countries could not be
  travelled in the time between them (faster than an airliner); neighbouring countries
  and long gaps never are. Rejected: a fixed "different country within N hours" rule,
  which flags a shopper crossing from France into Belgium.
"""

from __future__ import annotations

import bisect
import csv
import hmac
import ipaddress
import math
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from backend.provenance.verdict import FarApartScans

DATA_DIR = Path(__file__).resolve().parent / "data"
SAMPLE_IP_TABLE = DATA_DIR / "ip_country_sample.csv"
COUNTRY_CENTROIDS = DATA_DIR / "country_centroids.csv"

# Substrings of the user agents of link unfurlers, crawlers and HTTP libraries (lower case).
LINK_PREVIEW_AGENTS = (
    "facebookexternalhit", "facebot", "twitterbot", "slackbot", "slack-imgproxy", "linkedinbot", "whatsapp",
    "telegrambot", "discordbot", "skypeuripreview", "applebot", "googlebot", "google-inspectiontool", "bingbot",
    "bingpreview", "redditbot", "pinterest", "vkshare", "embedly", "iframely", "mastodon", "snapchat",
    "viber", "line/", "kakaotalk-scrap", "yandexbot", "duckduckbot", "baiduspider", "petalbot", "bot/",
    "crawler", "spider", "preview", "curl/", "wget/", "python-requests", "python-httpx", "go-http-client",
    "headlesschrome",
)


def is_link_preview(user_agent: str | None) -> bool:
    """True for bots and previews; an empty user agent is no browser either."""
    if not user_agent or not user_agent.strip():
        return True
    agent = user_agent.lower()
    return any(token in agent for token in LINK_PREVIEW_AGENTS)


def client_key(secret: bytes, ip: str, user_agent: str) -> str:
    """A stable pseudonymous id of one client: HMAC-SHA256 of IP and user agent, hex, 32 chars."""
    message = f"{ip}\n{user_agent}".encode("utf-8", "replace")
    # hmac.digest is one call into OpenSSL; an HMAC object costs several Python-level steps
    # more, on every page load.
    return hmac.digest(secret, message, "sha256").hex()[:32]


class IpCountryTable:
    """IPv4 and IPv6 ranges (CSV columns ``start,end,country``) looked up by binary search."""

    def __init__(self, rows: Iterable[tuple[str, str, str]]):
        ranges = []
        for start, end, country in rows:
            low, high = ipaddress.ip_address(start.strip()), ipaddress.ip_address(end.strip())
            if low.version != high.version or int(low) > int(high):
                raise ValueError(f"bad IP range {start}..{end}")
            ranges.append((low.version, int(low), int(high), country.strip().upper()))
        ranges.sort()
        self._starts = [(version, low) for version, low, _, _ in ranges]
        self._ranges = ranges

    @classmethod
    def load(cls, path: Path | str = SAMPLE_IP_TABLE) -> "IpCountryTable":
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            return cls((row["start"], row["end"], row["country"]) for row in reader)

    def country(self, ip: str) -> str | None:
        parsed = _parsed_address(ip)
        if parsed is None:
            return None
        index = bisect.bisect_right(self._starts, parsed) - 1
        if index < 0:
            return None
        version, _, high, country = self._ranges[index]
        return country if version == parsed[0] and parsed[1] <= high else None


_V4_MAPPED = bytes(10) + b"\xff\xff"


def _parsed_address(ip: str) -> tuple[int, int] | None:
    """``(version, address as a number)``, an IPv4-mapped IPv6 address as its IPv4 address; None
    for anything else. ``inet_pton`` is strict and runs in C; an `ipaddress` object cost a
    tenth of the product page's worker-thread CPU (py-spy), so it parses only what
    ``inet_pton`` refuses (a scoped IPv6 address, ``fe80::1%eth0``)."""
    try:
        return 4, int.from_bytes(socket.inet_pton(socket.AF_INET, ip))
    except OSError:
        pass
    try:
        packed = socket.inet_pton(socket.AF_INET6, ip)
    except OSError:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return None
        packed = address.packed
    if packed.startswith(_V4_MAPPED):
        return 4, int.from_bytes(packed[12:])
    return 6, int.from_bytes(packed)


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    latitude: float
    longitude: float


@lru_cache(maxsize=1)
def countries(path: Path = COUNTRY_CENTROIDS) -> dict[str, Country]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {
            row["code"]: Country(row["code"], row["name"], float(row["lat"]), float(row["lon"]))
            for row in csv.DictReader(handle)
        }


def distance_km(a: Country, b: Country) -> float:
    """Great-circle distance between two countries' centroids (haversine, Earth radius 6371 km)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class Scan:
    at: datetime
    client: str  # `client_key`
    country: str | None
    link_preview: bool  # `is_link_preview` of its user agent, decided when it was recorded


@dataclass(frozen=True)
class ScanPolicy:
    max_speed_kmh: float = 900.0  # an airliner; faster travel between two scans is impossible
    min_distance_km: float = 1000.0  # closer countries are never "far apart" (borders, centroid error)


@dataclass(frozen=True)
class ScanSignals:
    scans: int  # page loads by people, bots excluded
    distinct_clients: int
    far_apart: FarApartScans | None


def counted(scans: Iterable[Scan]) -> list[Scan]:
    """Scans by people: bots dropped, then only each client's first scan, in time order."""
    seen: set[str] = set()
    kept = []
    for scan in sorted(scans, key=lambda scan: scan.at):
        if scan.link_preview or scan.client in seen:
            continue
        seen.add(scan.client)
        kept.append(scan)
    return kept


def far_apart(scans: Sequence[Scan], policy: ScanPolicy = ScanPolicy()) -> FarApartScans | None:
    """The first pair of consecutive located scans that no traveller could have made."""
    known = countries()
    located = [scan for scan in scans if scan.country in known]
    for earlier, later in zip(located, located[1:]):
        if earlier.country == later.country:
            continue
        first, second = known[earlier.country], known[later.country]  # type: ignore[index]
        distance = distance_km(first, second)
        hours = (later.at - earlier.at).total_seconds() / 3600
        if distance >= policy.min_distance_km and distance > policy.max_speed_kmh * hours:
            return FarApartScans(first.name, second.name, later.at - earlier.at)
    return None


def summarise(scans: Iterable[Scan], policy: ScanPolicy = ScanPolicy()) -> ScanSignals:
    people = counted(scans)
    return ScanSignals(
        scans=len(people),
        distinct_clients=len({scan.client for scan in people}),
        far_apart=far_apart(people, policy),
    )
