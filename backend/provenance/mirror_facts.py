"""Chain facts of the product page from the indexer's mirror of ProvenanceRegistry events.

The indexer writes its tables into the same database (reorg-safe: a block that leaves
the canonical chain takes its rows with it), so "anchored in block N" and recall flags
are what the chain says, not what the backend believes it sent. Both are correlated
subqueries on the mirror's unique keys, evaluated inside the page's one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from eth_utils import to_checksum_address
from sqlalchemy import ColumnElement, exists, or_
from sqlmodel import col, select

from backend.provenance.models import AnchorBatch
from indexer.models import Product as ChainProduct
from indexer.models import ProductBatch as ChainBatch
from indexer.models import ProvenanceAnchor


@dataclass(frozen=True)
class MirrorChainFacts:
    registry: str  # checksummed, as the indexer stores contract addresses

    @classmethod
    @lru_cache(maxsize=4)
    def of(cls, registry: str) -> "MirrorChainFacts":
        return cls(to_checksum_address(registry))

    def anchored_block(self, anchor: type[AnchorBatch]) -> ColumnElement:
        # Batch ids are lower-case hex on both sides (the backend writes them so; the node returns them so).
        return (
            select(ProvenanceAnchor.block_number)
            .where(ProvenanceAnchor.contract == self.registry, ProvenanceAnchor.batch_id == anchor.chain_batch_id)
            .scalar_subquery()
        )

    def recalled(self, gtin_number: ColumnElement, serials_root: ColumnElement) -> ColumnElement:
        product = exists().where(
            ChainProduct.contract == self.registry, ChainProduct.gtin == gtin_number, col(ChainProduct.recalled)
        )
        batch = exists().where(
            ChainBatch.contract == self.registry,
            ChainBatch.gtin == gtin_number,
            ChainBatch.serials_root == serials_root,
            col(ChainBatch.recalled),
        )
        return or_(product, batch)

    def batch_registered(self, gtin_number: ColumnElement, serials_root: ColumnElement) -> ColumnElement:
        return exists().where(
            ChainBatch.contract == self.registry, ChainBatch.gtin == gtin_number, ChainBatch.serials_root == serials_root
        )
