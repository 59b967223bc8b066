"""The indexer's head lag (blocks and block time) and the reorgs it rolled back, as /metrics shows them."""

from __future__ import annotations

import pytest

from tests.factories import transact
from tests.observability.support import value


@pytest.fixture
def mirror_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'mirror.db'}"


def test_lag_is_the_distance_to_the_head_and_a_reorg_is_counted(load_chain, make_indexer, admin, accounts, w3):
    chain = load_chain
    transact(chain.token.functions.mint(accounts[4], 1_000), admin)
    indexer = make_indexer(confirmation_depth=5)
    w3.provider.make_request("evm_increaseTime", [60])
    chain.mine(10)
    indexer.sync_to_head()
    assert value("trustledger_indexer_head_lag_blocks") == 5, "held back by the confirmation depth"
    assert value("trustledger_indexer_head_lag_seconds") >= 0
    assert value("trustledger_indexer_last_poll_timestamp_seconds") > 0

    following = make_indexer(reorg_window=32)
    following.sync_to_head()
    assert value("trustledger_indexer_head_lag_blocks") == 0
    assert value("trustledger_indexer_head_lag_seconds") == 0

    reorgs = value("trustledger_indexer_reorgs_total")
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    transact(chain.token.functions.mint(accounts[5], 777), admin)
    following.sync_to_head()
    tip = following.checkpoint().block_number
    assert w3.provider.make_request("evm_revert", [snapshot])["result"] is True
    chain.mine(tip - w3.eth.block_number + 3)
    following.sync_to_head()
    assert following.stats.rollbacks == 1
    assert value("trustledger_indexer_reorgs_total") == reorgs + 1
