"""Sender backlog, stuck transactions and nonce gaps per key, read from the outbox when Prometheus scrapes."""

from __future__ import annotations

from datetime import UTC, datetime

from eth_utils import to_checksum_address
from sqlmodel import Session

from backend.chain.nonces import SenderNonce
from backend.chain.outbox import OutboxStatus, enqueue
from backend.chain.sender import metrics as sender_metrics
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.db.migrate import upgrade_database
from prometheus_client import generate_latest
from tests.observability.support import samples

SENDER = to_checksum_address("0x" + "ab" * 20)
TARGET = "0x" + "cd" * 20


class FakeRpc:
    """The node has mined nonces 0-1 of the key and holds nothing else in its pool."""

    def __init__(self, *_args, **_kwargs) -> None:
        self.closed = False

    def batch(self, calls):
        return ["0x2" for _ in calls]

    def close(self) -> None:
        self.closed = True


def test_pending_stuck_and_gaps_per_key(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'sender.db'}"
    upgrade_database(url)
    with Session(engine_for(url)) as session:
        session.add(SenderNonce(sender=SENDER, next_nonce=6))
        queued = enqueue(session, sender=SENDER, to=TARGET, data="0x", kind="CampaignEscrow.payout")
        stuck = enqueue(session, sender=SENDER, to=TARGET, data="0x", kind="CampaignEscrow.commitSettlement")
        broadcast = enqueue(session, sender=SENDER, to=TARGET, data="0x", kind="CampaignEscrow.payout")
        session.flush()
        stuck.status, stuck.nonce, stuck.stuck_since = OutboxStatus.BROADCAST, 2, datetime.now(UTC)
        broadcast.status, broadcast.nonce = OutboxStatus.SIGNED, 4
        assert queued.status == OutboxStatus.QUEUED
        session.commit()
    monkeypatch.setattr(sender_metrics, "JsonRpc", FakeRpc)
    found = samples(generate_latest(sender_metrics.sender_registry(Settings(database_url=url))).decode())
    labels = (("sender", SENDER),)
    assert found[("trustledger_sender_pending_transactions", labels)] == 3
    assert found[("trustledger_sender_stuck_transactions", labels)] == 1
    # Counter at 6, chain at 2, rows hold 2 and 4: nonces 3 and 5 will never be filled.
    assert found[("trustledger_sender_nonce_gaps", labels)] == 2
    assert found[("trustledger_sender_status_up", ())] == 1


def test_an_unreadable_node_still_answers_with_status_down(tmp_path):
    url = f"sqlite:///{tmp_path / 'sender.db'}"
    upgrade_database(url)
    with Session(engine_for(url)) as session:
        enqueue(session, sender=SENDER, to=TARGET, data="0x", kind="CampaignEscrow.payout")
        session.commit()
    settings = Settings(database_url=url, rpc_url="http://127.0.0.1:9")  # nothing listens there
    found = samples(generate_latest(sender_metrics.sender_registry(settings)).decode())
    assert found == {("trustledger_sender_status_up", ()): 0.0}
