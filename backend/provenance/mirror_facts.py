"""Chain facts of the product page from the indexer's mirror of ProvenanceRegistry events.

The indexer writes its tables into the same database (reorg-safe: a block that leaves
the canonical chain takes its rows with it), so "anchored in block N" and recall flags
are what the chain says, not what the backend believes it sent.
"""

from __future__ import annotations

from eth_utils import to_checksum_address
from sqlmodel import Session, select

from backend.provenance.models import AnchorBatch, Product, SerialBatch
from indexer.models import Product as ChainProduct
from indexer.models import ProductBatch as ChainBatch
from indexer.models import ProvenanceAnchor


class MirrorChainFacts:
    def __init__(self, session: Session, registry: str):
        self._session = session
        self._registry = to_checksum_address(registry)
        self._blocks: dict[str, int | None] = {}

    def anchored_block(self, anchor: AnchorBatch) -> int | None:
        batch_id = anchor.chain_batch_id
        if batch_id is None:
            return None
        if batch_id not in self._blocks:
            self._blocks[batch_id] = self._session.exec(
                select(ProvenanceAnchor.block_number).where(
                    ProvenanceAnchor.contract == self._registry, ProvenanceAnchor.batch_id == batch_id.lower()
                )
            ).first()
        return self._blocks[batch_id]

    def recalled(self, product: Product, batch: SerialBatch) -> bool:
        product_recalled = self._session.exec(
            select(ChainProduct.recalled).where(
                ChainProduct.contract == self._registry, ChainProduct.gtin == int(product.gtin)
            )
        ).first()
        batch_recalled = self._session.exec(
            select(ChainBatch.recalled).where(
                ChainBatch.contract == self._registry,
                ChainBatch.gtin == int(product.gtin),
                ChainBatch.serials_root == batch.serials_root.lower(),
            )
        ).first()
        return bool(product_recalled) or bool(batch_recalled)
