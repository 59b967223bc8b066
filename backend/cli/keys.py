"""`trustledger keys ...`: the master key that seals custodial chain keys."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from sqlmodel import Session

from backend.cli.failures import CommandFailed
from backend.core.config import get_settings

keys_app = typer.Typer(help="Custodial key custody: create and rotate the master key.", no_args_is_help=True)
console = Console()


@keys_app.command("new-master-key")
def new_master_key(out: Path = typer.Option(..., "--out", help="file to create (mode 0600; never overwritten)")) -> None:
    """Generate a master key into a new file; point TRUSTLEDGER_MASTER_KEY_FILE at it."""
    from backend.keys import MasterKey

    key = MasterKey.generate()
    try:
        key.write_file(out)
    except FileExistsError:
        raise CommandFailed(f"{out} exists", "a master key file is never overwritten; choose a new path") from None
    console.print(f"master key {key.key_id} written to {out}")


@keys_app.command()
def rotate(
    new_key_file: Path = typer.Option(..., "--new-key-file", help="the new master key (from new-master-key)"),
) -> None:
    """Re-seal every custodial key under a new master key, in one transaction.

    Afterwards set TRUSTLEDGER_MASTER_KEY_FILE to the new file; the old key opens nothing.
    """
    from backend.core.db import engine_for
    from backend.keys import KeyCustodyError, MasterKey, rotate_master_key
    from backend.keys.custody import keys_not_sealed_under

    settings = get_settings()
    try:
        old = MasterKey.from_settings(settings)
        new = MasterKey.from_file(new_key_file)
        with Session(engine_for(settings.database_url)) as session:
            count = rotate_master_key(session, old, new)
            session.commit()
            stranded = keys_not_sealed_under(session, new)
    except KeyCustodyError as error:
        raise CommandFailed(
            f"rotation failed, nothing changed ({error})", "set TRUSTLEDGER_MASTER_KEY_FILE to the current key"
        ) from None
    console.print(f"{count} custodial keys re-sealed from master key {old.key_id} to {new.key_id}")
    if stranded:
        # Typically the configured key is not the one the keys were sealed under.
        console.print(f"[red]{stranded} custodial keys are sealed under neither master key[/red]")
        raise typer.Exit(1)
