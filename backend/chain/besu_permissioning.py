"""Add accounts to every Besu node's local account allowlist (``perm_*`` JSON-RPC).

With account permissioning on, a Besu node drops transactions from accounts not in
its own allowlist, and the allowlists are per node: onboarding must reach every
node, validators included, or a transaction is refused depending on where it lands.
Nodes that are not Besu (anvil in development and tests) have no allowlist, so the
call is a no-op for them.

Idempotent: each node is asked for its allowlist first and only missing accounts
are added, because Besu rejects a whole request that repeats an existing entry.
A failing node does not stop the others; the error lists every failure, and
calling again finishes the job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

import httpx
from eth_utils import is_hex_address, to_checksum_address

_request_ids = count(1)


class BesuPermissioningError(RuntimeError):
    """At least one node could not be updated; ``failures`` maps node URL to reason."""

    def __init__(self, failures: dict[str, str]):
        self.failures = failures
        detail = "; ".join(f"{url}: {reason}" for url, reason in failures.items())
        super().__init__(f"account allowlist update failed on {len(failures)} node(s): {detail}")


@dataclass(frozen=True)
class AllowlistUpdate:
    node_url: str
    client_version: str
    added: tuple[str, ...]  # accounts this call added (checksummed); empty when already present or not Besu
    skipped: bool  # True when the node is not Besu (no account allowlist)


def _rpc(client: httpx.Client, url: str, method: str, params: list) -> object:
    response = client.post(url, json={"jsonrpc": "2.0", "id": next(_request_ids), "method": method, "params": params})
    response.raise_for_status()
    body = response.json()
    if "error" in body:
        error = body["error"]
        raise RuntimeError(f"{method}: {error.get('message', error)} (code {error.get('code')})")
    return body.get("result")


def is_besu(client_version: str) -> bool:
    return client_version.lower().startswith("besu/")


def _update_node(client: httpx.Client, url: str, accounts: list[str]) -> AllowlistUpdate:
    version = str(_rpc(client, url, "web3_clientVersion", []))
    if not is_besu(version):
        return AllowlistUpdate(url, version, (), skipped=True)
    present = {str(a).lower() for a in (_rpc(client, url, "perm_getAccountsAllowlist", []) or [])}
    missing = [account for account in accounts if account.lower() not in present]
    if missing:
        result = _rpc(client, url, "perm_addAccountsToAllowlist", [missing])
        if result != "Success":
            raise RuntimeError(f"perm_addAccountsToAllowlist answered {result!r}")
    return AllowlistUpdate(url, version, tuple(missing), skipped=False)


def add_accounts_to_allowlist(
    node_urls: Sequence[str], accounts: Sequence[str], *, timeout: float = 10.0
) -> list[AllowlistUpdate]:
    """Make every node in ``node_urls`` allow ``accounts``; one ``AllowlistUpdate`` per node."""
    if not node_urls:
        raise ValueError("no node URLs: every node of the network must be updated")
    unique: list[str] = []
    for account in accounts:
        if not is_hex_address(account):
            raise ValueError(f"not an address: {account!r}")
        if to_checksum_address(account) not in unique:
            unique.append(to_checksum_address(account))
    updates: list[AllowlistUpdate] = []
    failures: dict[str, str] = {}
    with httpx.Client(timeout=timeout) as client:
        for url in node_urls:
            try:
                updates.append(_update_node(client, url, unique))
            except (httpx.HTTPError, RuntimeError, ValueError) as exc:
                failures[url] = str(exc) or repr(exc)
    if failures:
        raise BesuPermissioningError(failures)
    return updates
