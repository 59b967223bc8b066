"""Besu local permissioning file: the bootstrap node and account allowlists.

Each node copies this file into its data directory on first start; from then on
``perm_add*`` calls (onboarding, validator rotation) update each node's copy, so
the file in ``chain-config/`` stays the bootstrap list.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass

from eth_utils import to_checksum_address

from backend.chain_config.keys import parse_enode


@dataclass(frozen=True)
class Allowlists:
    nodes: tuple[str, ...]
    accounts: tuple[str, ...]


def render_permissions_config(enodes: Sequence[str], accounts: Sequence[str], header: str = "") -> str:
    for enode in enodes:
        parse_enode(enode)
    checksummed = [to_checksum_address(account) for account in accounts]
    if len(set(checksummed)) != len(checksummed):
        raise ValueError("duplicate account in the allowlist")
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines.append("accounts-allowlist=" + json.dumps(checksummed))
    lines.append("nodes-allowlist=" + json.dumps(list(enodes)))
    return "\n".join(lines) + "\n"


def parse_permissions_config(text: str) -> Allowlists:
    data = tomllib.loads(text)
    return Allowlists(
        nodes=tuple(data.get("nodes-allowlist", ())),
        accounts=tuple(data.get("accounts-allowlist", ())),
    )
