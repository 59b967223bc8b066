"""AssetRegistry: proof of who registered a piece of content (an ad creative) first, and when.

The registry records ``msg.sender`` as the owner, so the call is queued with the owner's
own (custodial) key as sender, never the relayer's. A content hash is the sha-256 of the
bytes, which is also the digest inside the content's CIDv1. What the page of a creative
shows comes from the indexer's mirror of ``AssetRegistered`` once it is mined; until
then, from the outbox row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from eth_utils import to_checksum_address
from multiformats import CID
from sqlmodel import Session, col, select
from web3 import Web3
from web3.contract import Contract

from backend.chain.outbox import PENDING, OutboxStatus, OutboxTransaction
from backend.content.cid import parse_cid
from backend.core.config import Settings
from backend.identity.chain import ChainNotConfigured
from backend.identity.ports import Enqueue
from contracts import load_artifact
from contracts.deployment import DeploymentManifest, ManifestError
from indexer.models import Asset

ASSET_REGISTRY = "AssetRegistry"


class CidHashMismatch(ValueError):
    pass


@lru_cache(maxsize=1)
def _encoder() -> Contract:
    return Web3().eth.contract(abi=load_artifact(ASSET_REGISTRY).abi)


def content_hash(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def hash_of_cid(cid: str, claimed: bytes) -> bytes:
    """`claimed` when it is the digest inside `cid`; raises `InvalidCid` or `CidHashMismatch`."""
    digest = bytes(parse_cid(cid).raw_digest)
    if digest != claimed:
        raise CidHashMismatch(f"content hash 0x{claimed.hex()} is not the sha-256 inside {cid} (0x{digest.hex()})")
    return digest


def asset_reference(digest: bytes) -> str:
    return f"asset:0x{digest.hex()}"


def asset_registry_address(settings: Settings) -> str:
    try:
        return DeploymentManifest.load(settings.manifest_path).address(ASSET_REGISTRY)
    except ManifestError as exc:
        raise ChainNotConfigured(str(exc)) from exc


def queue_registration(session: Session, enqueue: Enqueue, *, registry: str, owner: str, digest: bytes, cid: str) -> None:
    """Queue ``registerAsset(contentHash, cid)`` sent by `owner` itself."""
    enqueue(
        session,
        sender=owner,
        to=registry,
        data=_encoder().encode_abi("registerAsset", args=[digest, bytes(parse_cid(cid))]),
        kind=f"{ASSET_REGISTRY}.registerAsset",
        reference=asset_reference(digest),
    )


@dataclass(frozen=True)
class AssetRecord:
    content_hash: str
    cid: str
    owner: str
    status: str  # submitted, mined (not mirrored yet), registered, failed
    registered_at: datetime | None = None
    block_number: int | None = None
    tx_hash: str | None = None
    error: str | None = None


def _cid_text(hex_bytes: str) -> str:
    return str(CID.decode(bytes.fromhex(hex_bytes.removeprefix("0x"))).set(base="base32"))


def _from_outbox(row: OutboxTransaction, digest: bytes) -> AssetRecord:
    _function, args = _encoder().decode_function_input(row.data)
    cid = str(CID.decode(args["cid"]).set(base="base32"))
    status = "submitted" if row.status in PENDING else "mined" if row.status == OutboxStatus.MINED else "failed"
    return AssetRecord(
        content_hash="0x" + digest.hex(), cid=cid, owner=row.sender, status=status,
        block_number=row.block_number, tx_hash=row.tx_hash, error=row.error,
    )


def asset_record(session: Session, registry: str, digest: bytes) -> AssetRecord | None:
    """The on-chain registration (from the mirror) or, before it is mirrored, the latest queued one."""
    mirrored = session.exec(
        select(Asset).where(Asset.contract == to_checksum_address(registry), Asset.content_hash == "0x" + digest.hex())
    ).first()
    if mirrored is not None:
        return AssetRecord(
            content_hash=mirrored.content_hash,
            cid=_cid_text(mirrored.cid),
            owner=mirrored.owner,
            status="registered",
            registered_at=datetime.fromtimestamp(mirrored.registered_at, UTC),
            block_number=mirrored.block_number,
            tx_hash=mirrored.tx_hash,
        )
    row = session.exec(
        select(OutboxTransaction)
        .where(OutboxTransaction.reference == asset_reference(digest))
        .order_by(col(OutboxTransaction.id).desc())
    ).first()
    return None if row is None else _from_outbox(row, digest)
