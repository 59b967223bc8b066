"""A chain made up locally: logs encoded from the real build ABIs, written block by block
through the indexer's BatchWriter, so projections and the undo journal are tested without
driving every contract's signed flows on a node."""

from __future__ import annotations

from eth_abi import encode
from eth_utils import keccak
from sqlalchemy import Engine

from contracts import load_artifact
from contracts.deployment import DeployedContract, DeploymentManifest
from indexer.batch_writer import BatchWriter
from indexer.catalog import ContractCatalog
from indexer.checkpoint import read_checkpoint
from indexer.database import migrate
from indexer.decoding import EventSpec
from indexer.fetch import FetchedBatch
from indexer.reorg import roll_back
from indexer.rpc import BlockHeader

CHAIN_ID = 31337
GENESIS_TIME = 1_800_000_000


def _word(kind: str, value) -> str:
    return "0x" + encode([kind], [value]).hex()


class SyntheticChain:
    """Contracts `name -> (artifact, address)`; ``emit`` adds logs to the open block, ``seal`` commits it."""

    def __init__(self, engine: Engine, contracts: dict[str, tuple[str, str]], reorg_window: int = 1_000):
        manifest = DeploymentManifest(
            CHAIN_ID,
            {name: DeployedContract(artifact, address, 1, "0x" + "00" * 32, "") for name, (artifact, address) in contracts.items()},
        )
        self.engine = engine
        self.addresses = {name: address for name, (_, address) in contracts.items()}
        self.abis = {name: load_artifact(artifact).abi for name, (artifact, _) in contracts.items()}
        self.catalog = ContractCatalog.from_manifest(manifest)
        self.writer = BatchWriter(self.catalog)
        self.reorg_window = reorg_window
        self.number = 1
        self.hashes: dict[int, str] = {0: "0x" + keccak(text="genesis").hex()}
        self.branch = "main"
        self._logs: list[dict] = []
        migrate(engine)

    def timestamp(self, number: int | None = None) -> int:
        return GENESIS_TIME + 12 * (self.number if number is None else number)

    def emit(self, contract: str, event: str, **args) -> None:
        item = next(i for i in self.abis[contract] if i["type"] == "event" and i["name"] == event)
        spec = EventSpec.from_abi(item)
        topics = [spec.topic0] + [_word(p["type"], args[p["name"]]) for p in item["inputs"] if p["indexed"]]
        data_params = [p for p in item["inputs"] if not p["indexed"]]
        data = "0x" + encode([p["type"] for p in data_params], [args[p["name"]] for p in data_params]).hex()
        index = len(self._logs)
        self._logs.append(
            {
                "address": self.addresses[contract].lower(),
                "topics": topics,
                "data": data,
                "blockNumber": hex(self.number),
                "blockHash": self._hash(self.number),
                "blockTimestamp": hex(self.timestamp()),
                "transactionHash": "0x" + keccak(text=f"{self.branch}:{self.number}:{index}").hex(),
                "transactionIndex": hex(index),
                "logIndex": hex(index),
                "removed": False,
            }
        )

    def _hash(self, number: int) -> str:
        return self.hashes.setdefault(number, "0x" + keccak(text=f"{self.branch}:{number}").hex())

    def seal(self) -> int:
        """Commit the open block (with its logs) in one transaction; returns its number."""
        number = self.number
        header = BlockHeader(number, self._hash(number), self.hashes[number - 1], self.timestamp())
        batch = FetchedBatch(
            start=number,
            end=number,
            end_hash=header.hash,
            head=number,
            journal_from=number - self.reorg_window + 1,
            logs=[self.catalog.decode(raw) for raw in self._logs],
            window=[header],
        )
        with self.engine.begin() as connection:
            self.writer.write_forward(connection, batch, read_checkpoint(connection, CHAIN_ID), 0.0)
        self._logs = []
        self.number += 1
        return number

    def roll_back_to(self, ancestor: int, branch: str) -> int:
        """Undo every block after `ancestor`; later blocks get new hashes on `branch`. Returns undone entries."""
        with self.engine.begin() as connection:
            checkpoint = read_checkpoint(connection, CHAIN_ID)
            undone = roll_back(connection, CHAIN_ID, checkpoint, ancestor, self.hashes[ancestor])
        self.hashes = {n: h for n, h in self.hashes.items() if n <= ancestor}
        self.branch = branch
        self.number = ancestor + 1
        return undone
