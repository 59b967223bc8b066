"""The one transaction sender: outbox rows -> signed -> broadcast -> receipts.

Guarantees:
- A row's nonce, raw signed bytes and hash are committed before the node sees them; the
  row is only ever sent again with those bytes, so a crash anywhere (even between send
  and receipt) cannot put a second transaction on chain for it.
- One nonce counter per key, in the database: it survives restarts, and on PostgreSQL only
  the worker holding its row lock signs for that key.
- Rows of one key get nonces in enqueue order.
- A transaction that reverts (in estimation or on chain) ends as `reverted` with its reason;
  it is never retried. Node refusals and outages are retried with backoff.
- A transaction not mined in time, or a nonce nothing will fill, is reported: the row's
  `stuck_since`, an error log, and `trustledger sender status`.
"""

from backend.chain.sender.fees import Fees, quote_fees
from backend.chain.sender.policy import SenderPolicy
from backend.chain.sender.rpc import JsonRpc, RpcError, RpcTransportError
from backend.chain.sender.runner import Sender, SenderThread, SenderTimeout, drain_outbox, process_outbox
from backend.chain.sender.status import KeyStatus, sender_status

__all__ = [
    "Fees",
    "JsonRpc",
    "KeyStatus",
    "RpcError",
    "RpcTransportError",
    "Sender",
    "SenderPolicy",
    "SenderThread",
    "SenderTimeout",
    "drain_outbox",
    "process_outbox",
    "quote_fees",
    "sender_status",
]
