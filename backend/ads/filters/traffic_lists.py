"""Known non-human traffic: bot user agents and data-centre IP ranges, loaded from files.

The shipped lists (``backend/ads/data/``) are small starters; production points the
settings at maintained copies. Lookups are cheap enough for the ingest path: one
compiled regex for the agents (with a cache, as a few agents make most traffic) and a
binary search over merged integer ranges for the IPs.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from ipaddress import ip_network
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_BOT_USER_AGENTS = DATA_DIR / "bot-user-agents.txt"
DEFAULT_DATACENTER_RANGES = DATA_DIR / "datacenter-ip-ranges.txt"
_AGENT_CACHE_SIZE = 10_000


def read_list(path: Path) -> list[str]:
    """Non-empty lines, without '#' comments."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


class _Ranges:
    def __init__(self, ranges: Iterable[tuple[int, int]]):
        merged: list[list[int]] = []
        for start, end in sorted(ranges):
            if merged and start <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [start for start, _ in merged]
        self._ends = [end for _, end in merged]

    def __contains__(self, value: int) -> bool:
        index = bisect_right(self._starts, value) - 1
        return index >= 0 and value <= self._ends[index]


class TrafficLists:
    def __init__(self, bot_patterns: Iterable[str], datacenter_ranges: Iterable[str]):
        patterns = [pattern.lower() for pattern in bot_patterns]
        self._bots = re.compile("|".join(re.escape(p) for p in patterns)) if patterns else None
        self._agents: dict[str, bool] = {}
        networks = [ip_network(cidr, strict=False) for cidr in datacenter_ranges]
        self._v4 = _Ranges((int(n[0]), int(n[-1])) for n in networks if n.version == 4)
        self._v6 = _Ranges((int(n[0]), int(n[-1])) for n in networks if n.version == 6)

    @classmethod
    def from_files(
        cls, bot_user_agents: Path = DEFAULT_BOT_USER_AGENTS, datacenter_ranges: Path = DEFAULT_DATACENTER_RANGES
    ) -> "TrafficLists":
        return cls(read_list(bot_user_agents), read_list(datacenter_ranges))

    def is_bot(self, user_agent: str | None) -> bool:
        if not user_agent or self._bots is None:
            return False
        known = self._agents.get(user_agent)
        if known is None:
            known = self._bots.search(user_agent.lower()) is not None
            if len(self._agents) >= _AGENT_CACHE_SIZE:
                self._agents.clear()
            self._agents[user_agent] = known
        return known

    def is_datacenter(self, packed_ip: bytes | None) -> bool:
        """Of an address packed by ``ip.pack_ip`` (4 bytes IPv4, 16 bytes IPv6)."""
        if packed_ip is None:
            return False
        return int.from_bytes(packed_ip) in (self._v4 if len(packed_ip) == 4 else self._v6)
