"""Per-node Besu ``config.toml`` (keys are Besu's command-line options without ``--``).

Paths are the ones inside the node's container (see ``docker-compose.yml``):
``/config`` holds the shared files read-only, ``/config/node`` the node's own
directory, ``/data`` the writable data path, where the node keeps its working
copy of the permissions file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

CONFIG_DIR = "/config"
NODE_DIR = "/config/node"
DATA_PATH = "/data"
PERMISSIONS_FILE = f"{DATA_PATH}/permissions_config.toml"
# PERM lets the API add onboarded accounts to every node; QBFT lets operators vote
# validators in and out. Neither port is published outside the compose network.
RPC_APIS = ("ETH", "NET", "WEB3", "QBFT", "PERM", "TXPOOL")


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)  # strings and lists of strings: JSON's syntax is valid TOML here


def render_node_config(
    name: str,
    key_file: str,
    host: str,
    bootnodes: Sequence[str],
    p2p_port: int = 30303,
    rpc_port: int = 8545,
    header: str = "",
) -> str:
    options: dict[str, object] = {
        "identity": name,
        "data-path": DATA_PATH,
        "genesis-file": f"{CONFIG_DIR}/genesis.json",
        "node-private-key-file": f"{NODE_DIR}/{key_file}",
        "min-gas-price": 0,
        "p2p-host": host,
        "p2p-port": p2p_port,
        "nat-method": "NONE",
        "bootnodes": list(bootnodes),
        "static-nodes-file": f"{NODE_DIR}/static-nodes.json",
        "permissions-nodes-config-file-enabled": True,
        "permissions-nodes-config-file": PERMISSIONS_FILE,
        "permissions-accounts-config-file-enabled": True,
        "permissions-accounts-config-file": PERMISSIONS_FILE,
        "rpc-http-enabled": True,
        "rpc-http-host": "0.0.0.0",
        "rpc-http-port": rpc_port,
        "rpc-http-api": list(RPC_APIS),
        # Other containers reach the node by its service name; the port is not published.
        "host-allowlist": ["*"],
        "revert-reason-enabled": True,
        "sync-mode": "FULL",
        "logging": "INFO",
    }
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += [f"{key}={_toml_value(value)}" for key, value in options.items()]
    return "\n".join(lines) + "\n"
