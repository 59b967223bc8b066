"""Turn a node's revert data into a readable reason: Error(string), Panic(code) or a custom error name."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from eth_abi import decode
from eth_abi.exceptions import DecodingError
from eth_utils import keccak
from hexbytes import HexBytes

from contracts import CompilationError, load_artifacts

_ERROR_STRING = bytes.fromhex("08c379a0")
_PANIC = bytes.fromhex("4e487b71")


@lru_cache(maxsize=1)
def _custom_errors() -> dict[bytes, tuple[str, list[str]]]:
    # Names come from the project's compiled contracts; without a build the selector is reported.
    try:
        artifacts = load_artifacts()
    except (CompilationError, OSError):
        return {}
    errors: dict[bytes, tuple[str, list[str]]] = {}
    for artifact in artifacts.values():
        for item in artifact.abi:
            if item["type"] == "error":
                types = [i["type"] for i in item["inputs"]]
                errors[keccak(text=f"{item['name']}({','.join(types)})")[:4]] = (item["name"], types)
    return errors


def revert_data(error_data: Any) -> bytes | None:
    """The revert bytes inside a JSON-RPC error's `data` (a hex string, or {"data": hex} on some nodes)."""
    if isinstance(error_data, dict):
        error_data = error_data.get("data")
    if isinstance(error_data, str) and error_data.startswith("0x"):
        try:
            return bytes(HexBytes(error_data))
        except ValueError:
            return None
    return None


def decode_revert(data: bytes | None, fallback: str = "reverted") -> str:
    if not data or len(data) < 4:
        return fallback
    selector, body = data[:4], data[4:]
    try:
        if selector == _ERROR_STRING:
            return decode(["string"], body)[0]
        if selector == _PANIC:
            return f"Panic({decode(['uint256'], body)[0]:#x})"
        known = _custom_errors().get(selector)
        if known is not None:
            name, types = known
            return f"{name}({', '.join(str(v) for v in decode(types, body))})"
    except DecodingError:
        pass  # malformed revert bytes are still reported, by their selector
    return f"custom error 0x{selector.hex()}"
