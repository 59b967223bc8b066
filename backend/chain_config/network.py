"""Generate a whole Besu QBFT network profile into a directory.

Layout written (``<key>`` is ``key`` or, for development networks, ``key.dev-only``)::

    genesis.json               QBFT genesis (validators in extraData, forks through Cancun)
    permissions_config.toml    bootstrap node + account allowlists, copied by each node
    network.json               summary for tools and tests: nodes, enodes, addresses
    nodes/<name>/config.toml   Besu options of that node
    nodes/<name>/<key>         its node private key (its address is the validator address)
    nodes/<name>/static-nodes.json   every other node
    accounts/<role>[.dev-only].key   deployer / relayer keys, when generated here

Hosts are fixed addresses in one subnet (the compose network's), so enode URLs need
no DNS: Besu resolves host names in enodes only behind an early-access flag.
"""

from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from eth_account import Account
from eth_utils import is_hex_address, to_checksum_address

from backend.chain_config.genesis import build_genesis
from backend.chain_config.keys import NodeKey, generate_node_key
from backend.chain_config.node_config import render_node_config
from backend.chain_config.permissions import render_permissions_config

DEFAULT_CHAIN_ID = 53_937
DEFAULT_SUBNET = "172.16.239.0/24"
FIRST_HOST = 11  # validator1 = .11, validator2 = .12, ..., then the RPC nodes
PREFUND_WEI = 10**24  # gas is free; the balance only allows value transfers
DEV_WARNING = (
    "DEV-ONLY network: its private keys are checked in and public.\n"
    "Never use them on a network that holds anything of value; generate a fresh one with\n"
    "`trustledger chain-config generate --out DIR` on the operator's machine."
)


@dataclass(frozen=True)
class NetworkOptions:
    validators: int = 4
    rpc_nodes: int = 1
    chain_id: int = DEFAULT_CHAIN_ID
    block_period_seconds: int = 2
    epoch_length: int = 30_000
    subnet: str = DEFAULT_SUBNET
    p2p_port: int = 30303
    rpc_port: int = 8545
    deployer: str | None = None  # an existing address; None generates a key
    relayer: str | None = None
    accounts: tuple[str, ...] = ()  # further allowlisted accounts (participants)
    dev: bool = False


@dataclass(frozen=True)
class GeneratedNode:
    name: str
    role: str  # "validator" | "rpc"
    host: str
    key: NodeKey = field(repr=False)
    enode: str

    @property
    def address(self) -> str:
        return self.key.address


@dataclass(frozen=True)
class GeneratedNetwork:
    out_dir: Path
    chain_id: int
    nodes: tuple[GeneratedNode, ...]
    deployer: str
    relayer: str
    accounts: tuple[str, ...]  # the whole bootstrap account allowlist


def node_names(validators: int, rpc_nodes: int) -> list[tuple[str, str]]:
    names = [(f"validator{index}", "validator") for index in range(1, validators + 1)]
    if rpc_nodes == 1:
        names.append(("rpcnode", "rpc"))
    else:
        names += [(f"rpcnode{index}", "rpc") for index in range(1, rpc_nodes + 1)]
    return names


def _hosts(subnet: str, count: int) -> list[str]:
    network = ipaddress.ip_network(subnet)
    if network.version != 4:
        raise ValueError("subnet must be IPv4")
    if FIRST_HOST + count >= network.num_addresses - 1:
        raise ValueError(f"subnet {subnet} is too small for {count} nodes")
    return [str(network.network_address + FIRST_HOST + offset) for offset in range(count)]


def _write(path: Path, text: str, secret: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if secret:
        os.chmod(path, 0o600)


def _account(out_dir: Path, role: str, address: str | None, dev: bool) -> str:
    if address is not None:
        if not is_hex_address(address):
            raise ValueError(f"{role}: not an address: {address!r}")
        return to_checksum_address(address)
    account = Account.create()
    name = f"{role}.dev-only.key" if dev else f"{role}.key"
    _write(out_dir / "accounts" / name, account.key.to_0x_hex() + "\n", secret=True)
    return account.address


def generate_network(out_dir: Path, options: NetworkOptions = NetworkOptions()) -> GeneratedNetwork:
    """Write a fresh network profile into ``out_dir`` (which must be empty or absent)."""
    if options.validators < 1:
        raise ValueError("at least one validator is needed (four tolerate one faulty node)")
    if options.rpc_nodes < 0:
        raise ValueError("rpc_nodes cannot be negative")
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise FileExistsError(f"{out_dir} is not an empty directory; refusing to overwrite keys")
    out_dir.mkdir(parents=True, exist_ok=True)

    names = node_names(options.validators, options.rpc_nodes)
    hosts = _hosts(options.subnet, len(names))
    nodes = []
    for (name, role), host in zip(names, hosts, strict=True):
        key = generate_node_key()
        nodes.append(GeneratedNode(name, role, host, key, key.enode_url(host, options.p2p_port)))
    validators = [node for node in nodes if node.role == "validator"]

    deployer = _account(out_dir, "deployer", options.deployer, options.dev)
    relayer = _account(out_dir, "relayer", options.relayer, options.dev)
    accounts = [deployer, relayer]
    for extra in options.accounts:
        if not is_hex_address(extra):
            raise ValueError(f"not an address: {extra!r}")
        if to_checksum_address(extra) not in accounts:
            accounts.append(to_checksum_address(extra))

    header = DEV_WARNING if options.dev else "Generated by `trustledger chain-config generate`."
    genesis = build_genesis(
        options.chain_id,
        [node.address for node in validators],
        {deployer: PREFUND_WEI, relayer: PREFUND_WEI},
        block_period_seconds=options.block_period_seconds,
        epoch_length=options.epoch_length,
    )
    if options.dev:
        # Besu ignores "comment" in alloc entries (its documented place for notes).
        for role, address in (("deployer", deployer), ("relayer", relayer)):
            genesis["alloc"][address.lower().removeprefix("0x")]["comment"] = f"{role}: DEV-ONLY key, public"
    _write(out_dir / "genesis.json", json.dumps(genesis, indent=2) + "\n")
    _write(
        out_dir / "permissions_config.toml",
        render_permissions_config(
            [node.enode for node in nodes],
            accounts,
            header=f"{header}\nBootstrap allowlists: each node copies this file into its data path on first start.",
        ),
    )

    key_file = "key.dev-only" if options.dev else "key"
    for node in nodes:
        node_dir = out_dir / "nodes" / node.name
        others = [other.enode for other in nodes if other is not node]
        _write(node_dir / key_file, node.key.to_file_text(), secret=True)
        _write(node_dir / "static-nodes.json", json.dumps(others, indent=2) + "\n")
        _write(
            node_dir / "config.toml",
            render_node_config(
                node.name,
                key_file,
                node.host,
                bootnodes=[v.enode for v in validators if v is not node],
                p2p_port=options.p2p_port,
                rpc_port=options.rpc_port,
                header=f"{node.name} ({node.role} node). {header}",
            ),
        )

    network = GeneratedNetwork(out_dir, options.chain_id, tuple(nodes), deployer, relayer, tuple(accounts))
    _write(out_dir / "network.json", json.dumps(network_summary(network, options), indent=2) + "\n")
    return network


def network_summary(network: GeneratedNetwork, options: NetworkOptions) -> dict:
    summary: dict = {}
    if options.dev:
        summary["comment"] = DEV_WARNING.replace("\n", " ")
    summary.update(
        {
            "chainId": network.chain_id,
            "devOnly": options.dev,
            "subnet": options.subnet,
            "rpcPort": options.rpc_port,
            "nodes": [
                {
                    "name": n.name,
                    "role": n.role,
                    "host": n.host,
                    "address": n.address,
                    "enode": n.enode,
                    "rpcUrl": f"http://{n.name}:{options.rpc_port}",
                }
                for n in network.nodes
            ],
            "deployer": network.deployer,
            "relayer": network.relayer,
            "accountsAllowlist": list(network.accounts),
        }
    )
    return summary

