"""`trustledger sender ...`: watch and run the transaction sender."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from backend.core.config import get_settings

sender_app = typer.Typer(
    help="The transaction sender: outbox backlog, stuck nonces, running it in-process.", no_args_is_help=True
)
console = Console()


@sender_app.command()
def status() -> None:
    """Per sending key: nonces (DB and chain), pending rows, stuck transactions and nonce gaps.

    Exits 1 when any key has a stuck transaction or a gap, so a monitor can run it.
    """
    from backend.chain.sender import JsonRpc, sender_status
    from backend.core.db import engine_for

    settings = get_settings()
    rpc = JsonRpc(settings.rpc_url)
    try:
        with Session(engine_for(settings.database_url)) as session:
            keys = sender_status(session, rpc)
    finally:
        rpc.close()
    table = Table("sender", "next nonce", "chain nonce", "pool nonce", "queued", "signed", "broadcast", "stuck", "gaps")
    for key in keys:
        table.add_row(
            key.sender,
            str(key.next_nonce),
            str(key.chain_nonce),
            str(key.chain_pending_nonce),
            *(str(key.counts.get(s, 0)) for s in ("queued", "signed", "broadcast")),
            str(len(key.stuck)),
            ", ".join(map(str, key.gaps)) or "-",
        )
    console.print(table)
    for key in keys:
        for stuck in key.stuck:
            console.print(
                f"[red]stuck[/red] outbox {stuck.id} ({stuck.kind}) {key.sender} nonce {stuck.nonce} "
                f"{stuck.status} {stuck.tx_hash or ''} {stuck.error or ''}".rstrip()
            )
        if key.gaps:
            console.print(f"[red]gap[/red] {key.sender}: nonces {key.gaps} are held by no transaction")
    if not all(key.healthy for key in keys):
        raise typer.Exit(1)


@sender_app.command()
def run(
    interval: float = typer.Option(0.5, min=0.01, help="seconds between passes when idle"),
    drain: bool = typer.Option(False, help="stop once nothing is pending instead of running forever"),
    timeout: float = typer.Option(300.0, help="with --drain: give up after this many seconds"),
) -> None:
    """Run the sender in this process (embedded mode; production runs it as a Celery beat task)."""
    import time

    from backend.chain.sender import Sender, SenderTimeout
    from backend.db.migrate import upgrade_database

    settings = get_settings()
    upgrade_database(settings.database_url)
    sender = Sender(settings)
    try:
        if drain:
            changed = sender.drain(timeout)
            console.print(f"outbox drained ({changed} state changes)")
            return
        while True:
            if sender.run_once() == 0:
                time.sleep(interval)
    except SenderTimeout as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    finally:
        sender.close()
