"""Load compiled contract artifacts (ABI, bytecode) from the build directory."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from contracts.compiler import build_dir, compile_contracts


@dataclass(frozen=True)
class Artifact:
    name: str
    source_name: str
    abi: list[dict]
    abi_hash: str
    bytecode: str
    deployed_bytecode: str

    def events(self) -> list[dict]:
        return [item for item in self.abi if item["type"] == "event"]


def _read(path: Path) -> Artifact:
    data = json.loads(path.read_text())
    return Artifact(
        name=data["contractName"],
        source_name=data["sourceName"],
        abi=data["abi"],
        abi_hash=data["abiHash"],
        bytecode=data["bytecode"],
        deployed_bytecode=data["deployedBytecode"],
    )


@lru_cache(maxsize=None)
def load_artifacts() -> dict[str, Artifact]:
    """Every compiled contract by name, compiling first when the sources changed."""
    directory = compile_contracts()
    return {path.stem: _read(path) for path in sorted(directory.glob("*.json")) if path.name != "build-info.json"}


def load_artifact(name: str) -> Artifact:
    artifacts = load_artifacts()
    try:
        return artifacts[name]
    except KeyError:
        raise KeyError(f"no compiled contract named {name!r} in {build_dir()}") from None
