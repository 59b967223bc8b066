"""Backfill, live follow, reorgs, strict and lagging nodes, replays: on anvil, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from contracts.deployment import DeploymentManifest
from indexer import ConcurrentIndexer, NodeBehind, ReorgTooDeep, verify
from indexer.checkpoint import move_checkpoint, read_checkpoint
from indexer.models import Participant, RawLog, TokenBalance, TokenTransfer
from tests.factories import DAY, Role, now, onboard, roles_mask, transact
from tests.indexer.helpers import Following, one, rows, wait_until
from tests.indexer.proxy import RpcProxy


def balance(indexer, token, holder) -> int | None:
    row = one(indexer, TokenBalance, token=token.address, holder=holder)
    return None if row is None else row.balance


def test_backfill_of_thousands_of_events_then_live_follow(load_chain, make_indexer, admin, accounts, w3):
    chain = load_chain
    first_block = w3.eth.block_number
    for _ in range(3):
        chain.emit_transfers(1_000, per_tx=50)
        chain.mine(40)
    chain.emit_participants(kyc_expiry=now(w3) + 30 * DAY)
    onboard(chain.registry, accounts[1], Role.PUBLISHER, Role.ATTESTER)
    transact(chain.token.functions.mint(accounts[1], 5_000), admin)
    transact(chain.token.functions.transfer(accounts[2], 1_200), accounts[1])
    assert w3.eth.block_number - first_block > 100

    indexer = make_indexer(max_block_range=32)
    indexer.sync_to_head()
    assert indexer.stats.logs == chain.log_count() > 3_000
    assert indexer.stats.batches > 3, "a 32-block range needs several batches"
    assert balance(indexer, chain.token, accounts[1]) == 3_800
    assert balance(indexer, chain.token, accounts[2]) == 1_200
    assert {h: balance(indexer, chain.token_emitter, h) for h in chain.holders} == chain.minted
    assert len(rows(indexer, TokenTransfer, contract=chain.token_emitter.address)) == 3_000

    with Following(indexer) as following:
        transact(chain.token.functions.transfer(accounts[3], 300), accounts[1])
        transact(chain.registry.functions.suspend(accounts[1]), admin)
        chain.emit_transfers(100)
        head = w3.eth.block_number
        wait_until(lambda: following.caught_up(head), what="the follower to reach the head")

    assert balance(indexer, chain.token, accounts[1]) == 3_500
    participant = one(indexer, Participant, contract=chain.registry.address, account=accounts[1])
    on_chain = chain.registry.functions.participant(accounts[1]).call()
    assert (participant.roles, participant.suspended, participant.kyc_expiry) == (on_chain[0], on_chain[1], on_chain[2])
    assert participant.roles == roles_mask(Role.PUBLISHER, Role.ATTESTER) and participant.suspended
    assert participant.suspended_by == admin
    assert indexer.stats.rollbacks == 0
    assert verify(indexer) == []


def test_reorg_removes_orphaned_rows_and_indexes_the_new_branch(load_chain, make_indexer, admin, accounts, w3):
    chain = load_chain
    transact(chain.token.functions.mint(accounts[4], 1_000), admin)
    chain.emit_transfers(200)
    indexer = make_indexer(reorg_window=32)
    indexer.sync_to_head()
    emitter_before = [balance(indexer, chain.token_emitter, h) for h in chain.holders]
    logs_before = len(rows(indexer, RawLog))

    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    transact(chain.token.functions.mint(accounts[5], 777), admin)
    transact(chain.token.functions.transfer(accounts[6], 100), accounts[4])
    transact(chain.registry.functions.setRoles(accounts[6], roles_mask(Role.BRAND)), admin)
    chain.emit_transfers(100)
    indexer.sync_to_head()
    assert balance(indexer, chain.token, accounts[5]) == 777
    assert balance(indexer, chain.token, accounts[4]) == 900
    assert one(indexer, Participant, contract=chain.registry.address, account=accounts[6]) is not None
    orphaned_tip = indexer.checkpoint().block_number

    assert w3.provider.make_request("evm_revert", [snapshot])["result"] is True
    transact(chain.token.functions.mint(accounts[7], 555), admin)
    chain.mine(orphaned_tip - w3.eth.block_number + 3)  # the new branch outgrows the old one
    indexer.sync_to_head()

    assert indexer.stats.rollbacks == 1
    assert balance(indexer, chain.token, accounts[5]) is None, "a row created on the orphaned branch"
    assert balance(indexer, chain.token, accounts[6]) is None
    assert balance(indexer, chain.token, accounts[4]) == 1_000, "a row changed on the orphaned branch is restored"
    assert one(indexer, Participant, contract=chain.registry.address, account=accounts[6]) is None
    assert balance(indexer, chain.token, accounts[7]) == 555
    assert [balance(indexer, chain.token_emitter, h) for h in chain.holders] == emitter_before
    assert len(rows(indexer, RawLog)) == logs_before + 1
    assert verify(indexer) == []


def test_same_height_reorg_from_anvil_reorg(load_chain, make_indexer, admin, accounts, w3):
    chain = load_chain
    chain.emit_transfers(40)
    transact(chain.token.functions.mint(accounts[8], 42), admin)
    chain.mine(1)
    indexer = make_indexer()
    indexer.sync_to_head()
    assert balance(indexer, chain.token, accounts[8]) == 42
    height = w3.eth.block_number

    assert "error" not in w3.provider.make_request("anvil_reorg", [3, []])
    assert w3.eth.block_number == height
    indexer.sync_to_head()

    assert indexer.stats.rollbacks == 1
    assert balance(indexer, chain.token, accounts[8]) is None
    assert indexer.checkpoint().block_hash == w3.eth.get_block(height)["hash"].to_0x_hex()
    assert verify(indexer) == []


def test_reorg_deeper_than_the_window_stops_the_indexer(load_chain, make_indexer, w3):
    chain = load_chain
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    chain.emit_transfers(20)
    chain.mine(12)
    indexer = make_indexer(reorg_window=4)
    indexer.sync_to_head()
    w3.provider.make_request("evm_revert", [snapshot])
    chain.mine(30)
    with pytest.raises(ReorgTooDeep):
        indexer.sync_to_head()


def test_strict_node_refusing_ranges_and_large_answers_still_yields_every_log(load_chain, make_indexer):
    chain = load_chain
    for _ in range(3):
        chain.emit_transfers(200, per_tx=100, per_request=1)  # at most 100 logs a block
        chain.mine(25)
    with RpcProxy(chain.url, max_blocks=16, max_logs=150) as proxy:
        indexer = make_indexer(rpc_url=proxy.url, max_block_range=2_000)
        indexer.sync_to_head(timeout=60)
        assert proxy.refused_ranges > 0 and proxy.refused_results > 0, "the proxy must have refused something"
        assert indexer.stats.logs == chain.log_count() >= 600
        assert verify(indexer) == []


def test_a_lagging_node_is_waited_out_not_rolled_back(load_chain, make_indexer, w3):
    chain = load_chain
    chain.emit_transfers(60)
    chain.mine(5)
    with RpcProxy(chain.url) as proxy:
        indexer = make_indexer(rpc_url=proxy.url)
        indexer.sync_to_head()
        indexed = indexer.checkpoint().block_number
        proxy.lag = 4
        with pytest.raises(NodeBehind):
            indexer.sync_to_head(timeout=1.0)
        assert indexer.stats.rollbacks == 0 and indexer.stats.node_retries > 0
        assert indexer.checkpoint().block_number == indexed
        proxy.lag = 0
        chain.emit_transfers(10)
        indexer.sync_to_head()
        assert indexer.stats.rollbacks == 0
        assert indexer.checkpoint().block_number == w3.eth.block_number
        assert verify(indexer) == []


def test_replaying_a_range_twice_changes_nothing(load_chain, make_indexer, w3):
    chain = load_chain
    chain.emit_transfers(150)
    indexer = make_indexer()
    indexer.sync_to_head()
    before = {h: balance(indexer, chain.token_emitter, h) for h in chain.holders}
    logs = len(rows(indexer, RawLog))
    start = indexer.catalog.start_block
    for _ in range(2):
        indexer.backfill(start, w3.eth.block_number)
    assert {h: balance(indexer, chain.token_emitter, h) for h in chain.holders} == before
    assert len(rows(indexer, RawLog)) == logs
    assert verify(indexer) == []


def test_a_contract_added_to_the_manifest_gets_its_history(load_chain, make_indexer, w3):
    chain = load_chain
    chain.emit_transfers(80)
    manifest = chain.manifest_path.read_text()
    trimmed = chain.manifest_path.with_name("without-load-token.json")
    full = DeploymentManifest.load(chain.manifest_path)
    partial = DeploymentManifest(full.chain_id, {k: v for k, v in full.contracts.items() if k != "LoadToken"})
    partial.save(trimmed)
    first = make_indexer(manifest_path=trimmed)
    first.sync_to_head()
    assert balance(first, chain.token_emitter, chain.holders[0]) is None
    first.close()

    second = make_indexer()
    second.sync_to_head()
    assert balance(second, chain.token_emitter, chain.holders[0]) == chain.minted[chain.holders[0]]
    assert verify(second) == []
    assert chain.manifest_path.read_text() == manifest


def test_a_second_writer_is_refused(load_chain, make_indexer):
    indexer = make_indexer()
    indexer.sync_to_head()
    seen = indexer.checkpoint()
    other_batch = ("0x" + "11" * 32, "0x" + "22" * 32)
    with indexer.engine.begin() as connection:  # another indexer commits a batch first
        move_checkpoint(connection, indexer.chain_id, seen, seen.block_number + 1, other_batch[0])
    with pytest.raises(ConcurrentIndexer):
        with indexer.engine.begin() as connection:
            move_checkpoint(connection, indexer.chain_id, seen, seen.block_number + 1, other_batch[1])
    with pytest.raises(ConcurrentIndexer):
        with indexer.engine.begin() as connection:
            move_checkpoint(connection, indexer.chain_id, None, 1, other_batch[1])
    with indexer.engine.connect() as connection:
        assert read_checkpoint(connection, indexer.chain_id).block_hash == other_batch[0]
