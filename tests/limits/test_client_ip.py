"""The client IP: the peer, unless a trusted proxy forwarded the request."""

from __future__ import annotations

import pytest

from backend.limits.client_ip import client_ip, parse_networks

PROXIES = parse_networks("10.0.0.0/8, 192.168.1.1")


def test_networks_parse_and_refuse_a_bad_one():
    assert [str(n) for n in parse_networks(" 10.0.0.0/8,::1 ,192.168.1.7/24")] == ["10.0.0.0/8", "::1/128", "192.168.1.0/24"]
    assert parse_networks("") == ()
    with pytest.raises(ValueError, match="not an IP network"):
        parse_networks("10.0.0.0/8, proxy.example")


@pytest.mark.parametrize(
    "peer, forwarded, client",
    [
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),  # untrusted peer: its header is ignored
        ("10.1.2.3", None, "10.1.2.3"),  # trusted peer, no header
        ("10.1.2.3", "198.51.100.1", "198.51.100.1"),
        ("10.1.2.3", "1.1.1.1, 198.51.100.1", "198.51.100.1"),  # the left entry is the client's claim
        ("10.1.2.3", "1.1.1.1, 198.51.100.1, 192.168.1.1", "198.51.100.1"),  # two proxies
        ("10.1.2.3", "10.9.9.9, 192.168.1.1", "10.9.9.9"),  # only proxies: the leftmost
        ("10.1.2.3", "garbage, 198.51.100.1", "198.51.100.1"),
        ("10.1.2.3", "198.51.100.1, not-an-ip", "10.1.2.3"),  # a bad entry stops at the last good hop
        ("10.1.2.3", " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_x_forwarded_for_is_read_from_trusted_proxies_only(peer, forwarded, client):
    assert client_ip(peer, forwarded, PROXIES) == client


def test_no_trusted_proxies_means_the_peer():
    assert client_ip("10.1.2.3", "198.51.100.1", ()) == "10.1.2.3"
