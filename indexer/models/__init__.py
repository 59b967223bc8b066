"""Every table of the mirror. The backend reads these; only the indexer writes them."""

from indexer.models.base import EventRow, MirrorTable, StateRow, Uint256, domain_tables, history_tables, mirror_metadata
from indexer.models.mirror import Checkpoint, IndexedBlock, IndexedContract, RawLog, UndoEntry
from indexer.models.participants import Participant
from indexer.models.tokens import TokenBalance, TokenTransfer

__all__ = [
    "Checkpoint",
    "EventRow",
    "IndexedBlock",
    "IndexedContract",
    "MirrorTable",
    "Participant",
    "RawLog",
    "StateRow",
    "TokenBalance",
    "TokenTransfer",
    "Uint256",
    "UndoEntry",
    "domain_tables",
    "history_tables",
    "mirror_metadata",
]
