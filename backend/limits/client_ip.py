"""The client's IP: the socket peer, or what trusted proxies say it was in X-Forwarded-For.

A peer outside ``trusted`` is the client, whatever headers it sends. A trusted peer's
X-Forwarded-For is read from the right (each proxy appends the address it saw): the
first address that is not itself a trusted proxy is the client. Entries that are not
IP addresses stop the walk at the last good one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """``10.0.0.0/8, 172.16.0.0/12, ::1`` as networks (a bare address is a /32 or /128); ValueError on a bad one."""
    networks = []
    for item in text.replace(";", ",").split(","):
        item = item.strip()
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"{item!r} is not an IP network (CIDR)") from None
    return tuple(networks)


def _trusted(address: str, trusted: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_ip(peer: str, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    if not trusted or not forwarded_for or not _trusted(peer, trusted):
        return peer
    client = peer
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break
        client = hop
        if not _trusted(hop, trusted):
            break
    return client
