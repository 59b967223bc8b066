"""A settlement worker in its own process, killed mid-flight for the crash test.

    python -m tests.settlement.worker_process <campaign id>
        settle the campaign, then send the outbox, and SIGKILL this process right after the
        node accepted the commit (eth_sendRawTransaction answered), before any receipt

Settings come from the TRUSTLEDGER_* environment.
"""

from __future__ import annotations

import sys

from backend.chain.sender import Sender
from backend.core.config import Settings
from backend.settlement.passes import settle_once
from tests.sender.worker_process import KillingRpc


def settle_then_die(campaign_id: int) -> None:
    settings = Settings()
    result = settle_once(settings, campaign_id)
    assert result.committed, result
    Sender(settings, rpc=KillingRpc(settings.rpc_url, "eth_sendRawTransaction")).drain(timeout=30)


if __name__ == "__main__":
    settle_then_die(int(sys.argv[1]))
