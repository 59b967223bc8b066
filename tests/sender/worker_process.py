"""A sender in its own process, for the crash and concurrency tests.

    python -m tests.sender.worker_process crash-after <rpc method>[:<first param>]
        drain the outbox, but SIGKILL this process right after the node answered the first
        batch containing that call (before the sender could record what it learnt)
    python -m tests.sender.worker_process drain <go-file> <batch size>
        wait until <go-file> exists, drain, print how many rows this process signed

Settings come from the TRUSTLEDGER_* environment.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import backend.chain.sender.runner as runner
from backend.chain.sender import JsonRpc, Sender, SenderPolicy
from backend.core.config import Settings


class KillingRpc(JsonRpc):
    def __init__(self, url: str, call: str):
        super().__init__(url)
        self.method, _, self.param = call.partition(":")

    def _matches(self, method: str, params: list) -> bool:
        return method == self.method and (not self.param or self.param in params)

    def batch(self, calls):
        results = super().batch(calls)
        if any(self._matches(method, params) for method, params in calls):
            os.kill(os.getpid(), signal.SIGKILL)
        return results


def crash_after(method: str) -> None:
    settings = Settings()
    Sender(settings, rpc=KillingRpc(settings.rpc_url, method)).drain(timeout=30)


def drain(go_file: str, batch_size: int) -> None:
    signed = 0
    sign_queued = runner.sign_queued

    def counting(*args, **kwargs):
        nonlocal signed
        changed = sign_queued(*args, **kwargs)
        signed += changed
        return changed

    runner.sign_queued = counting
    sender = Sender(Settings(), policy=SenderPolicy(batch_size=batch_size))
    sender.chain_id  # connect before the start line
    while not Path(go_file).exists():
        time.sleep(0.01)
    sender.drain(timeout=60)
    print(signed)


if __name__ == "__main__":
    if sys.argv[1] == "crash-after":
        crash_after(sys.argv[2])
    else:
        drain(sys.argv[2], int(sys.argv[3]))
