"""The sender while the node is down: quiet retries with back-off, one log line per outage, recovery."""

from __future__ import annotations

import logging
import threading

from backend.chain.sender import RpcTransportError, Sender, SenderThread
from backend.chain.sender.runner import log as sender_log
from backend.db.migrate import upgrade_database
from tests.sender.support import make_settings


class FlakyRpc:
    """A node that refuses `down_for` calls, then answers eth_chainId."""

    def __init__(self, down_for: int):
        self.down_for = down_for
        self.calls = 0

    def call(self, method: str, *params):
        self.calls += 1
        if self.calls <= self.down_for:
            raise RpcTransportError(f"connection refused ({self.calls})")
        assert method == "eth_chainId"
        return "0x7a69"


def test_an_unreachable_node_is_reported_once_per_outage(tmp_path, caplog):
    url = f"sqlite:///{tmp_path / 'outage.db'}"
    upgrade_database(url)
    sender = Sender(make_settings(url, "http://127.0.0.1:9"), rpc=FlakyRpc(down_for=3))
    caplog.set_level(logging.INFO, logger=sender_log.name)
    assert [sender.run_once() for _ in range(3)] == [0, 0, 0]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "node unreachable" in warnings[0].getMessage()
    assert not any("reachable again" in r.getMessage() for r in caplog.records)
    assert sender.run_once() == 0  # the node answers; nothing is queued
    assert any("reachable again" in r.getMessage() for r in caplog.records)


class FailingSender:
    """run_once raises `fail` times, then reports work done once, then idles; records each pass."""

    def __init__(self, fail: int):
        self.fail = fail
        self.passes = 0
        self.done = threading.Event()

    def run_once(self) -> int:
        self.passes += 1
        if self.passes <= self.fail:
            raise RpcTransportError("connection refused")
        if self.passes == self.fail + 2:
            self.done.set()
        return 1 if self.passes == self.fail + 1 else 0


def test_failing_passes_back_off_and_log_one_traceback_per_streak(caplog):
    thread = SenderThread(FailingSender(fail=5), interval=0.001, max_backoff=0.01)
    assert [thread.retry_delay(n) for n in range(6)] == [0.001, 0.002, 0.004, 0.008, 0.01, 0.01]
    assert thread.retry_delay(10_000) == 0.01, "no overflow on a long outage"

    caplog.set_level(logging.INFO, logger=sender_log.name)
    thread.start()
    try:
        assert thread.sender.done.wait(10), "the loop did not outlive the failures"
    finally:
        thread.stop()
    assert not thread.is_alive()
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1, "one traceback for five failures in a row"
    assert any("succeeded after 5 failed" in r.getMessage() for r in caplog.records)
