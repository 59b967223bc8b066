"""Every table of the mirror. The backend reads these; only the indexer writes them.

::

    bookkeeping   RawLog, IndexedBlock (recent window), Checkpoint, UndoEntry, IndexedContract
    participants  Participant
    tokens        TokenTransfer, TokenBalance
    escrow        Escrow, EscrowToken, Campaign, Settlement, Challenge, CampaignPublisher,
                  Payout, CampaignFunding, FeeWithdrawal
    consent       ConsentOffer, Consent, ConsentReward
    identity      DidChange, DidIdentity, DidDelegate, DidAttribute
    provenance    Product, ProductBatch, ProvenanceActor, ProvenanceAnchor, CustodyTransfer,
                  ProductCustody
    assets        Asset

History tables (``EventRow``: one row per event, key = block number + log index) and
state tables (``StateRow``: current state, ``updated_block`` = last change). Table
names start with ``chain_``; addresses are EIP-55, hashes and bytes 0x-hex, amounts
Python ints (NUMERIC(78,0) on PostgreSQL).
"""

from indexer.models.assets import Asset
from indexer.models.base import EventRow, MirrorTable, StateRow, Uint256, domain_tables, history_tables, mirror_metadata
from indexer.models.consent import Consent, ConsentOffer, ConsentReward
from indexer.models.escrow import (
    Campaign,
    CampaignFunding,
    CampaignPublisher,
    Challenge,
    Escrow,
    EscrowToken,
    FeeWithdrawal,
    Payout,
    Settlement,
)
from indexer.models.identity import DidAttribute, DidChange, DidDelegate, DidIdentity
from indexer.models.mirror import Checkpoint, IndexedBlock, IndexedContract, RawLog, UndoEntry
from indexer.models.participants import Participant
from indexer.models.provenance import (
    CustodyTransfer,
    Product,
    ProductBatch,
    ProductCustody,
    ProvenanceActor,
    ProvenanceAnchor,
)
from indexer.models.tokens import TokenBalance, TokenTransfer

__all__ = [
    "Asset",
    "Campaign",
    "CampaignFunding",
    "CampaignPublisher",
    "Challenge",
    "Checkpoint",
    "Consent",
    "ConsentOffer",
    "ConsentReward",
    "CustodyTransfer",
    "DidAttribute",
    "DidChange",
    "DidDelegate",
    "DidIdentity",
    "Escrow",
    "EscrowToken",
    "EventRow",
    "FeeWithdrawal",
    "IndexedBlock",
    "IndexedContract",
    "MirrorTable",
    "Participant",
    "Payout",
    "Product",
    "ProductBatch",
    "ProductCustody",
    "ProvenanceActor",
    "ProvenanceAnchor",
    "RawLog",
    "Settlement",
    "StateRow",
    "TokenBalance",
    "TokenTransfer",
    "Uint256",
    "UndoEntry",
    "domain_tables",
    "history_tables",
    "mirror_metadata",
]
