"""The deployment manifest: which contract lives where on which chain.

Written by ``trustledger deploy``, read by the indexer and the backend. One JSON
file per network::

    {"chainId": 31337, "contracts": {"CampaignEscrow": {"artifact": "CampaignEscrow",
      "address": "0x…", "block": 7, "txHash": "0x…", "abiHash": "…"}, …}}

Entries are keyed by deployment name; several may share an artifact (one
``SettlementToken`` per currency).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path


class ManifestError(Exception):
    """The manifest is missing, unreadable, or for another chain."""


@dataclass(frozen=True)
class DeployedContract:
    artifact: str
    address: str
    block: int
    tx_hash: str
    abi_hash: str


@dataclass
class DeploymentManifest:
    chain_id: int
    contracts: dict[str, DeployedContract] = field(default_factory=dict)

    @property
    def start_block(self) -> int:
        """The first block an indexer must read: the earliest deployment."""
        return min((c.block for c in self.contracts.values()), default=0)

    def address(self, name: str) -> str:
        try:
            return self.contracts[name].address
        except KeyError:
            raise ManifestError(f"no contract named {name!r} in the manifest") from None

    def to_json(self) -> str:
        return json.dumps(
            {
                "chainId": self.chain_id,
                "contracts": {
                    name: {
                        "artifact": c.artifact,
                        "address": c.address,
                        "block": c.block,
                        "txHash": c.tx_hash,
                        "abiHash": c.abi_hash,
                    }
                    for name, c in self.contracts.items()
                },
            },
            indent=2,
        )

    def save(self, path: Path) -> None:
        """Write atomically, so a crash never leaves a half-written manifest."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_text(self.to_json())
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> "DeploymentManifest":
        try:
            data = json.loads(Path(path).read_text())
            return cls(
                chain_id=int(data["chainId"]),
                contracts={
                    name: DeployedContract(
                        artifact=entry["artifact"],
                        address=entry["address"],
                        block=int(entry["block"]),
                        tx_hash=entry["txHash"],
                        abi_hash=entry["abiHash"],
                    )
                    for name, entry in data["contracts"].items()
                },
            )
        except FileNotFoundError:
            raise ManifestError(f"{path}: no deployment manifest; run `trustledger deploy` first") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise ManifestError(f"{path}: not a deployment manifest ({exc})") from exc


__all__ = ["DeployedContract", "DeploymentManifest", "ManifestError"]
