"""Compile every ``contracts/**/*.sol`` with solc-js, offline, through py-solc-x.

py-solc-x's ``compile_standard`` drives ``solc-standard-json.js`` (a solc-compatible
CLI over the npm ``solc`` package), so no compiler is ever downloaded. Artifacts are
written to the build directory and reused while the hash of the sources, the
compiler version and the settings is unchanged: a compile costs seconds, a cache
hit a file read.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from pathlib import Path

import solcx
from solcx.exceptions import SolcError
from solcx.wrapper import get_version_str_from_solc_binary

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONTRACTS_DIR = PROJECT_ROOT / "contracts"
NODE_MODULES = PROJECT_ROOT / "node_modules"
SOLC_WRAPPER = CONTRACTS_DIR / "solc-standard-json.js"
DEFAULT_BUILD_DIR = PROJECT_ROOT / "build" / "contracts"

# Pinned so the bytecode runs unchanged on the Besu network (its genesis enables
# every fork through Cancun; see chain-config/).
EVM_VERSION = "cancun"
COMPILER_SETTINGS: dict = {
    "evmVersion": EVM_VERSION,
    "optimizer": {"enabled": True, "runs": 10_000},
    "remappings": ["@openzeppelin/=node_modules/@openzeppelin/"],
    "outputSelection": {
        "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers"]}
    },
}
CACHE_FILE = "build-info.json"

_LOCATION = re.compile(r"-->\s*(?P<file>[^:\s]+):(?P<line>\d+):(?P<col>\d+):")


class CompilationError(Exception):
    """The sources do not compile; ``errors`` lists ``file:line:col: message`` strings."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("Solidity compilation failed:\n" + "\n".join(errors))


def build_dir() -> Path:
    return Path(os.environ.get("TRUSTLEDGER_BUILD_DIR", DEFAULT_BUILD_DIR))


def source_files() -> list[Path]:
    return sorted(CONTRACTS_DIR.rglob("*.sol"))


def _openzeppelin_version() -> str:
    package = NODE_MODULES / "@openzeppelin" / "contracts" / "package.json"
    if not package.exists():
        raise CompilationError([f"{package}: missing; run `make install` (npm ci) first"])
    return json.loads(package.read_text())["version"]


def sources_hash(files: list[Path]) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps(COMPILER_SETTINGS, sort_keys=True).encode())
    digest.update(_openzeppelin_version().encode())
    digest.update(SOLC_WRAPPER.read_bytes())
    digest.update(Path(__file__).read_bytes())  # how artifacts are written is part of the cache key
    for path in files:
        digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _format_errors(error_dict: list[dict]) -> list[str]:
    messages = []
    for error in error_dict:
        if error.get("severity") != "error":
            continue
        location = error.get("sourceLocation") or {}
        match = _LOCATION.search(error.get("formattedMessage", ""))
        if match:
            where = f"{match['file']}:{match['line']}:{match['col']}"
        else:
            where = location.get("file", "<input>")
        messages.append(f"{where}: {error.get('type', 'Error')}: {error.get('message', '').strip()}")
    return messages or ["unknown compiler error"]


def _run_compiler(files: list[Path]) -> dict:
    standard_input = {
        "language": "Solidity",
        "sources": {
            path.relative_to(PROJECT_ROOT).as_posix(): {"content": path.read_text()} for path in files
        },
        "settings": COMPILER_SETTINGS,
    }
    try:
        return solcx.compile_standard(
            standard_input,
            solc_binary=SOLC_WRAPPER,
            base_path=PROJECT_ROOT,
            allow_paths=[PROJECT_ROOT],
        )
    except SolcError as exc:
        raise CompilationError(_format_errors(exc.error_dict or [])) from exc


def _write_artifacts(output: dict, target: Path, digest: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.json"):
        stale.unlink()
    names: dict[str, str] = {}
    for source_name, contracts in output.get("contracts", {}).items():
        if not source_name.startswith("contracts/"):
            continue  # libraries (OpenZeppelin) are compiled in, not deployed on their own
        for name, compiled in contracts.items():
            if name in names:
                raise CompilationError([f"{source_name}: contract name {name} also defined in {names[name]}"])
            names[name] = source_name
            abi = compiled["abi"]
            artifact = {
                "contractName": name,
                "sourceName": source_name,
                "abi": abi,
                "abiHash": hashlib.sha256(json.dumps(abi, sort_keys=True).encode()).hexdigest(),
                "bytecode": "0x" + compiled["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
                "methodIdentifiers": compiled["evm"].get("methodIdentifiers", {}),
            }
            (target / f"{name}.json").write_text(json.dumps(artifact, indent=1))
    info = {
        "sourcesHash": digest,
        "solcVersion": get_version_str_from_solc_binary(SOLC_WRAPPER),
        "settings": COMPILER_SETTINGS,
    }
    (target / CACHE_FILE).write_text(json.dumps(info, indent=1))


def compile_contracts(force: bool = False) -> Path:
    """Compile the sources unless the cached artifacts match them; return the build directory.

    A file lock makes parallel callers (pytest-xdist workers, the API and the indexer
    starting together) compile once and read the same artifacts.
    """
    target = build_dir()
    target.mkdir(parents=True, exist_ok=True)
    files = source_files()
    with open(target.parent / ".compile.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        digest = sources_hash(files)
        cache = target / CACHE_FILE
        if not force and cache.exists() and json.loads(cache.read_text()).get("sourcesHash") == digest:
            return target
        output = _run_compiler(files)
        _write_artifacts(output, target, digest)
    return target
