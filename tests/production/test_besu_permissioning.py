"""Onboarding on Besu: accounts reach every node's allowlist; anvil is left alone."""

from __future__ import annotations

import pytest

from backend.chain.besu_permissioning import BesuPermissioningError, add_accounts_to_allowlist
from tests.production.fake_servers import FakeBesu

DEPLOYER = "0x2db87bd77cDD5657668768070052a6BAee57b53b"
ALICE = "0x1111111111111111111111111111111111111111"
BOB = "0x2222222222222222222222222222222222222222"


def added_lists(node: FakeBesu) -> list[list[str]]:
    return [params[0] for method, params in node.calls if method == "perm_addAccountsToAllowlist"]


def test_adds_missing_accounts_to_every_node_once():
    with FakeBesu(allowlist=[DEPLOYER]) as first, FakeBesu(allowlist=[DEPLOYER, ALICE.lower()]) as second:
        updates = add_accounts_to_allowlist([first.url, second.url], [ALICE, BOB, ALICE.lower()])
        assert [u.added for u in updates] == [(ALICE, BOB), (BOB,)]
        assert not any(u.skipped for u in updates)
        assert added_lists(first) == [[ALICE, BOB]]
        assert added_lists(second) == [[BOB]]  # Besu would reject the request had it repeated ALICE

        again = add_accounts_to_allowlist([first.url, second.url], [ALICE, BOB])
        assert [u.added for u in again] == [(), ()]
        assert len(added_lists(first)) == 1 and len(added_lists(second)) == 1


def test_a_failing_node_is_reported_and_the_others_still_updated():
    with FakeBesu() as gone:
        dead_url = gone.url
    with FakeBesu() as healthy:
        with pytest.raises(BesuPermissioningError) as excinfo:
            add_accounts_to_allowlist([dead_url, healthy.url], [ALICE], timeout=1.0)
        assert list(excinfo.value.failures) == [dead_url]
        assert healthy.allowlist == [ALICE]


def test_a_besu_node_without_the_perm_api_is_an_error():
    with FakeBesu(perm_enabled=False) as node:
        with pytest.raises(BesuPermissioningError, match="perm_getAccountsAllowlist: Method not enabled"):
            add_accounts_to_allowlist([node.url], [ALICE])


def test_rejects_bad_input():
    with pytest.raises(ValueError, match="not an address"):
        add_accounts_to_allowlist(["http://127.0.0.1:1"], ["0x1234"])
    with pytest.raises(ValueError, match="no node URLs"):
        add_accounts_to_allowlist([], [ALICE])


def test_is_a_no_op_on_anvil(anvil_node):
    updates = add_accounts_to_allowlist([anvil_node.url], [ALICE])
    assert len(updates) == 1
    assert updates[0].skipped and updates[0].added == ()
    assert updates[0].client_version.startswith("anvil")
