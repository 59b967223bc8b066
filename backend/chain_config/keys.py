"""Node keys: the secp256k1 key a Besu node signs with, its address and its enode URL.

A QBFT validator's address is its node key's address, and the enode id is the
64-byte uncompressed public key, so both are derived here from the key alone.
Key files hold the private key as 0x-prefixed hex, the format Besu reads with
``node-private-key-file``.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from eth_keys import keys
from eth_keys.exceptions import ValidationError

_ENODE = re.compile(r"^enode://(?P<id>[0-9a-fA-F]{128})@(?P<host>[^:@/]+):(?P<port>\d{1,5})$")


class NodeKeyError(ValueError):
    """A key file or an enode URL is malformed."""


@dataclass(frozen=True)
class NodeKey:
    private_key: keys.PrivateKey

    @property
    def address(self) -> str:
        return self.private_key.public_key.to_checksum_address()

    @property
    def enode_id(self) -> str:
        """The public key as 128 hex characters (no 0x), as in ``enode://<id>@host:port``."""
        return self.private_key.public_key.to_bytes().hex()

    def enode_url(self, host: str, port: int) -> str:
        return f"enode://{self.enode_id}@{host}:{port}"

    def to_file_text(self) -> str:
        return self.private_key.to_hex() + "\n"


@dataclass(frozen=True)
class Enode:
    node_id: str
    host: str
    port: int

    @property
    def address(self) -> str:
        """The address of the node key behind this enode id."""
        return keys.PublicKey(bytes.fromhex(self.node_id)).to_checksum_address()


def generate_node_key() -> NodeKey:
    while True:
        try:
            return NodeKey(keys.PrivateKey(secrets.token_bytes(32)))
        except ValidationError:
            continue  # 0 or >= the curve order: astronomically rare, draw again


def node_key_from_hex(text: str) -> NodeKey:
    value = text.strip().removeprefix("0x")
    try:
        return NodeKey(keys.PrivateKey(bytes.fromhex(value)))
    except (ValueError, ValidationError) as exc:
        raise NodeKeyError(f"not a secp256k1 private key: {exc}") from exc


def load_node_key(path: Path) -> NodeKey:
    return node_key_from_hex(path.read_text())


def parse_enode(url: str) -> Enode:
    match = _ENODE.match(url.strip())
    if not match or not 0 < int(match["port"]) < 65536:
        raise NodeKeyError(f"not an enode URL: {url!r}")
    return Enode(node_id=match["id"].lower(), host=match["host"], port=int(match["port"]))
