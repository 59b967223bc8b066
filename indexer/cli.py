"""``trustledger index …``: run, backfill, status and verify the chain -> SQL mirror.

Settings come from the environment (IndexerSettings); the options below override them.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Optional

import typer

from indexer.config import IndexerSettings
from indexer.errors import IndexerError
from indexer.service import Indexer
from indexer.verify import verify as verify_mirror

app = typer.Typer(name="index", help="The reorg-safe chain -> SQL mirror.", no_args_is_help=True)


@app.callback()
def options(
    context: typer.Context,
    database_url: Optional[str] = typer.Option(None, help="Mirror database URL (default: DATABASE_URL or the SQLite file)."),
    rpc_url: Optional[str] = typer.Option(None, help="JSON-RPC URL of the node."),
    manifest: Optional[Path] = typer.Option(None, help="Deployment manifest path."),
    confirmation_depth: Optional[int] = typer.Option(None, help="Blocks to stay behind the head."),
    max_block_range: Optional[int] = typer.Option(None, help="Largest eth_getLogs block range."),
) -> None:
    overrides = {
        "database_url": database_url,
        "rpc_url": rpc_url,
        "manifest_path": manifest,
        "confirmation_depth": confirmation_depth,
        "max_block_range": max_block_range,
    }
    context.obj = IndexerSettings(**{k: v for k, v in overrides.items() if v is not None})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per RPC call otherwise


def _indexer(context: typer.Context) -> Indexer:
    try:
        return Indexer(context.obj)
    except Exception as exc:  # manifest or artifact problems, before any chain access
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _fail(exc: IndexerError) -> typer.Exit:
    typer.echo(f"error: {exc.__class__.__name__}: {exc}", err=True)
    return typer.Exit(2)


@app.command()
def run(context: typer.Context) -> None:
    """Backfill from the checkpoint (or the first deployment), then follow the head until stopped."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    indexer = _indexer(context)
    try:
        indexer.run(stop)
    except IndexerError as exc:
        raise _fail(exc) from exc
    finally:
        indexer.close()


@app.command()
def backfill(
    context: typer.Context,
    from_block: int = typer.Option(..., "--from", help="First block."),
    to_block: int = typer.Option(..., "--to", help="Last block (at most the confirmed head)."),
) -> None:
    """Index blocks FROM..TO: replays what the mirror covers (adding only missing logs), extends the rest."""
    indexer = _indexer(context)
    try:
        checkpoint = indexer.backfill(from_block, to_block)
    except IndexerError as exc:
        raise _fail(exc) from exc
    finally:
        indexer.close()
    typer.echo(f"indexed to block {checkpoint.block_number if checkpoint else None}")


@app.command()
def status(context: typer.Context) -> None:
    """Head, indexed block, lag and throughput."""
    indexer = _indexer(context)
    try:
        state = indexer.status()
    except IndexerError as exc:
        raise _fail(exc) from exc
    finally:
        indexer.close()
    typer.echo(f"chain_id: {state.chain_id}")
    typer.echo(f"head: {state.head if state.head is not None else 'unreachable'}")
    typer.echo(f"indexed_block: {state.indexed_block if state.indexed_block is not None else 'none'}")
    typer.echo(f"lag: {state.lag if state.lag is not None else 'unknown'} blocks")
    typer.echo(f"logs_total: {state.logs_total}")
    typer.echo(f"logs_per_s: {state.logs_per_second:.0f}")


@app.command()
def verify(
    context: typer.Context,
    from_block: Optional[int] = typer.Option(None, "--from", help="First block (default: first deployment)."),
    to_block: Optional[int] = typer.Option(None, "--to", help="Last block (default: the checkpoint)."),
) -> None:
    """Re-read the chain and compare it with the mirror; exit 1 listing each difference."""
    indexer = _indexer(context)
    try:
        indexer.open(timeout=context.obj.rpc_timeout)
        differences = verify_mirror(indexer, from_block, to_block)
    except IndexerError as exc:
        raise _fail(exc) from exc
    finally:
        indexer.close()
    for difference in differences:
        typer.echo(str(difference))
    if differences:
        typer.echo(f"{len(differences)} difference(s)", err=True)
        raise typer.Exit(1)
    typer.echo("mirror matches the chain")


__all__ = ["app"]
