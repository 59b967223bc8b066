"""A node stopped and restarted under a following indexer: waited out with backoff, no rollback, no gap."""

from __future__ import annotations

import time

from web3 import Web3

from backend.chain.local_node import LocalNode
from indexer import Indexer, IndexerSettings, verify
from indexer.models import TokenBalance
from tests.indexer.helpers import Following, one, wait_until
from tests.indexer.load import RawSender, deploy_emitter, transfer_calls, write_manifest

ZERO = "0x0000000000000000000000000000000000000000"


def test_node_restart_while_following_is_not_a_reorg(mirror_url, tmp_path):
    state = tmp_path / "anvil-state.json"
    node = LocalNode(state_file=state).start()
    try:
        w3 = Web3(Web3.HTTPProvider(node.url))
        emitter, block = deploy_emitter(w3)
        holders = list(w3.eth.accounts[1:3])
        manifest_path = tmp_path / "deployment.json"
        write_manifest(manifest_path, w3, {"LoadToken": ("SettlementToken", emitter, block)})

        def emit(events: int) -> None:
            sender = RawSender(w3, node.url)
            sender.send(transfer_calls(emitter, ZERO, holders, 10, events, 20), batch=5)
            sender.close()

        emit(200)
        settings = IndexerSettings(
            database_url=mirror_url, rpc_url=node.url, manifest_path=manifest_path, poll_interval=0.05, max_backoff=0.5
        )
        indexer = Indexer(settings)
        try:
            with Following(indexer) as following:
                wait_until(lambda: following.caught_up(w3.eth.block_number), what="the first catch-up")
                node.stop()  # SIGTERM: anvil writes its state file
                retries = indexer.stats.node_retries
                wait_until(lambda: indexer.stats.node_retries > retries + 2, what="retries while the node is down")
                time.sleep(0.3)
                node.start()
                emit(100)
                wait_until(lambda: following.caught_up(w3.eth.block_number), what="the catch-up after the restart")
            assert indexer.stats.rollbacks == 0
            assert indexer.stats.node_retries > retries
            assert one(indexer, TokenBalance, token=emitter.address, holder=holders[0]).balance == 150 * 10
            assert verify(indexer) == []
        finally:
            indexer.close()
    finally:
        node.stop()
