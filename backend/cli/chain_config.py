"""`trustledger chain-config generate`: write a Besu QBFT network profile."""

from __future__ import annotations

from pathlib import Path

import typer

from backend.chain_config import NetworkOptions, generate_network, generate_node_key
from backend.chain_config.network import DEFAULT_CHAIN_ID, DEFAULT_SUBNET

chain_config_app = typer.Typer(help="Besu QBFT network profiles (genesis, keys, permissioning).", no_args_is_help=True)


@chain_config_app.command()
def generate(
    out: Path = typer.Option(..., "--out", help="directory to write (must be empty or absent)"),
    validators: int = typer.Option(4, min=1, help="QBFT validators (4 tolerate one faulty node)"),
    rpc_nodes: int = typer.Option(1, min=0, help="non-validating RPC nodes"),
    chain_id: int = typer.Option(DEFAULT_CHAIN_ID, min=1, help="chain id"),
    block_period: int = typer.Option(2, min=1, help="QBFT blockperiodseconds (request timeout = 2x)"),
    epoch_length: int = typer.Option(30_000, min=1, help="QBFT epochlength (blocks between vote resets)"),
    subnet: str = typer.Option(DEFAULT_SUBNET, help="IPv4 subnet the nodes get fixed addresses in"),
    deployer: str = typer.Option(None, help="existing deployer address (default: generate a key)"),
    relayer: str = typer.Option(None, help="existing relayer address (default: generate a key)"),
    account: list[str] = typer.Option([], "--account", help="further allowlisted account; repeatable"),
    dev: bool = typer.Option(False, "--dev", help="mark keys DEV-ONLY (for a network checked into git)"),
) -> None:
    """Generate node keys, a QBFT genesis, permissions_config.toml, static nodes and per-node config.toml."""
    options = NetworkOptions(
        validators=validators,
        rpc_nodes=rpc_nodes,
        chain_id=chain_id,
        block_period_seconds=block_period,
        epoch_length=epoch_length,
        subnet=subnet,
        deployer=deployer,
        relayer=relayer,
        accounts=tuple(account),
        dev=dev,
    )
    try:
        network = generate_network(out, options)
    except (ValueError, FileExistsError) as exc:
        typer.echo(f"chain-config generate failed: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"network written to {out} (chain id {network.chain_id})")
    for node in network.nodes:
        typer.echo(f"  {node.name:<12} {node.role:<9} {node.address}  {node.host}")
    typer.echo(f"  deployer {network.deployer}, relayer {network.relayer}")


@chain_config_app.command("node-key")
def node_key(
    out: Path = typer.Option(..., "--out", help="key file to write (must not exist)"),
    host: str = typer.Option(None, help="the node's IP address, to print its enode URL"),
    port: int = typer.Option(30303, help="the node's P2P port"),
) -> None:
    """Write one new node key (to add or replace a node) and print its address and enode."""
    if out.exists():
        typer.echo(f"node-key failed: {out} exists; refusing to overwrite a key", err=True)
        raise typer.Exit(2)
    key = generate_node_key()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.touch(mode=0o600)
    out.write_text(key.to_file_text())
    typer.echo(f"address {key.address}")
    typer.echo(key.enode_url(host, port) if host else f"enode id {key.enode_id}")
