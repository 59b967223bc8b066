"""ProvenanceRegistry calls a brand makes, queued on the outbox with the brand as sender.

Encoded locally and queued in the caller's database transaction (see
``backend.chain.outbox``): the product row and its registration transaction commit
together. The brand's custodial key signs them; a brand holding its own key has none
with the platform, so its rows end as failed and it sends the same calls itself.
"""

from __future__ import annotations

from functools import lru_cache

from sqlmodel import Session
from web3 import Web3
from web3.contract import Contract

from backend.content.cid import parse_cid
from backend.core.config import Settings
from backend.identity.chain import ChainNotConfigured
from backend.identity.ports import Enqueue
from backend.provenance.anchor_signature import EventBatch
from contracts import load_artifact
from contracts.deployment import DeploymentManifest, ManifestError

REGISTRY = "ProvenanceRegistry"


@lru_cache(maxsize=1)
def _encoder() -> Contract:
    return Web3().eth.contract(abi=load_artifact(REGISTRY).abi)


def cid_bytes(cid: str | None) -> bytes:
    return b"" if cid is None else bytes(parse_cid(cid))


def registry_address(settings: Settings) -> str:
    """The deployed ProvenanceRegistry's address; raises `ChainNotConfigured`."""
    try:
        return DeploymentManifest.load(settings.manifest_path).address(REGISTRY)
    except ManifestError as exc:
        raise ChainNotConfigured(str(exc)) from exc


def anchor_events_call(batch: EventBatch, signature: bytes) -> bytes:
    """Calldata of ``anchorEvents(batch, signature)``; anyone may send it (the platform relayer does)."""
    return bytes.fromhex(_encoder().encode_abi("anchorEvents", args=[batch.values(), signature])[2:])


class ProvenanceWriter:
    def __init__(self, registry: str, enqueue: Enqueue):
        self.registry = registry
        self._enqueue = enqueue

    @classmethod
    def from_settings(cls, settings: Settings, enqueue: Enqueue) -> "ProvenanceWriter":
        return cls(registry_address(settings), enqueue)

    def _queue(self, session: Session, brand: str, function: str, args: list, reference: str) -> None:
        self._enqueue(
            session,
            sender=brand,
            to=self.registry,
            data=_encoder().encode_abi(function, args=args),
            kind=f"{REGISTRY}.{function}",
            reference=reference,
        )

    def register_product_class(self, session: Session, brand: str, gtin14: str, metadata_cid: str | None) -> None:
        self._queue(session, brand, "registerProductClass", [int(gtin14), cid_bytes(metadata_cid)], f"product:{gtin14}")

    def register_serial_batch(
        self, session: Session, brand: str, gtin14: str, root: bytes, count: int, reference: str
    ) -> None:
        self._queue(session, brand, "registerSerialBatch", [int(gtin14), root, count, b""], reference)

    def authorise_actor(self, session: Session, brand: str, actor: str) -> None:
        self._queue(session, brand, "authoriseActor", [actor], f"actor:{actor}")

    def revoke_actor(self, session: Session, brand: str, actor: str) -> None:
        self._queue(session, brand, "revokeActor", [actor], f"actor:{actor}")

    def recall_product_class(self, session: Session, brand: str, gtin14: str, reference: str) -> None:
        self._queue(session, brand, "setProductClassRecall", [int(gtin14), True], reference)
