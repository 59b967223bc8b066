"""Which contracts the mirror follows and how to read their logs, from the deployment manifest."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from contracts import load_artifact
from contracts.deployment import DeploymentManifest, ManifestError

from indexer.decoding import DecodedLog, EventDecoder, checksum
from indexer.projections import Projection, projection_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WatchedContract:
    name: str
    artifact: str
    address: str
    deploy_block: int
    abi_hash: str
    decoder: EventDecoder
    projection: Projection | None


class ContractCatalog:
    """The manifest's contracts by address, each with its ABI decoder and domain projection.

    Several entries may share an artifact (one SettlementToken per currency); a
    projection's handlers are checked against the artifact's ABI when loading, so a
    misnamed event fails at start-up rather than being skipped silently.
    """

    def __init__(self, chain_id: int, contracts: list[WatchedContract]):
        self.chain_id = chain_id
        self.contracts = contracts
        self._by_address: dict[str, WatchedContract] = {}
        for contract in contracts:
            other = self._by_address.setdefault(contract.address.lower(), contract)
            if other is not contract:
                raise ManifestError(f"{other.name} and {contract.name} share the address {contract.address}")
        self._by_checksum = {c.address: c for c in contracts}

    @classmethod
    def from_manifest(cls, manifest: DeploymentManifest) -> "ContractCatalog":
        decoders: dict[str, EventDecoder] = {}
        watched = []
        for name, entry in sorted(manifest.contracts.items(), key=lambda item: (item[1].block, item[0])):
            artifact = load_artifact(entry.artifact)
            if entry.abi_hash and entry.abi_hash != artifact.abi_hash:
                log.warning(
                    "%s was deployed with another ABI of %s than the build's; events are decoded with the build's",
                    name,
                    entry.artifact,
                )
            decoder = decoders.setdefault(entry.artifact, EventDecoder(artifact.abi))
            projection = projection_for(entry.artifact)
            if projection is not None:
                projection.check_events(decoder.names())
            watched.append(
                WatchedContract(
                    name=name,
                    artifact=entry.artifact,
                    address=checksum(entry.address),
                    deploy_block=entry.block,
                    abi_hash=entry.abi_hash,
                    decoder=decoder,
                    projection=projection,
                )
            )
        return cls(manifest.chain_id, watched)

    @property
    def start_block(self) -> int:
        return min((c.deploy_block for c in self.contracts), default=0)

    def addresses(self) -> list[str]:
        return [c.address for c in self.contracts]

    def get(self, address: str) -> WatchedContract | None:
        return self._by_checksum.get(address) or self._by_address.get(address.lower())

    def decode(self, raw: dict) -> DecodedLog:
        """Parse a log in the node's JSON shape; blockTimestamp is None when the node omits it (Besu)."""
        address = raw["address"]
        contract = self._by_address.get(address) or self._by_address[address.lower()]
        topics = raw["topics"]
        decoded = contract.decoder.decode(topics, raw["data"])
        timestamp = raw.get("blockTimestamp")
        return DecodedLog(
            block_number=int(raw["blockNumber"], 16),
            block_hash=raw["blockHash"],
            block_timestamp=int(timestamp, 16) if timestamp is not None else None,
            tx_hash=raw["transactionHash"],
            tx_index=int(raw["transactionIndex"], 16),
            log_index=int(raw["logIndex"], 16),
            address=contract.address,
            topics=topics,
            data=raw["data"],
            event=decoded[0] if decoded else None,
            args=decoded[1] if decoded else None,
        )


__all__ = ["ContractCatalog", "WatchedContract"]
