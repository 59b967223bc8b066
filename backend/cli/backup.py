"""`trustledger backup DEST` / `trustledger restore SRC` (logic in ``backend.backup``)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from backend.core.config import get_settings

console = Console(stderr=True)


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=True)


def _step(progress: Progress):
    task = progress.add_task("starting")
    return lambda text: progress.update(task, description=text)


def backup(dest: Path = typer.Argument(..., help="new directory, or a path ending in .tar")) -> None:
    """Back up the database (custodial keys sealed inside), the local content store and the manifest.

    The master key is NOT included: back it up separately.
    """
    from backend.backup import create_backup

    settings = get_settings()
    with _progress() as progress:
        manifest = create_backup(
            dest,
            database_url=settings.database_url,
            manifest_path=settings.manifest_path,
            content_store_url=settings.content_store_url,
            progress=_step(progress),
        )
    typer.echo(
        f"backup written to {dest}: {manifest.database_kind} database, {len(manifest.files)} files, "
        f"chain {manifest.chain_id}, content store {manifest.content_store}"
    )


def restore(
    src: Path = typer.Argument(..., help="a backup directory or .tar"),
    force: bool = typer.Option(False, "--force", help="overwrite a database that is not empty"),
) -> None:
    """Restore a backup into the configured database; checks checksums and chain id first."""
    from backend.backup import restore_backup

    settings = get_settings()
    configured = None
    if settings.manifest_path.exists():
        configured = int(json.loads(settings.manifest_path.read_text())["chainId"])
    with _progress() as progress:
        manifest = restore_backup(
            src,
            database_url=settings.database_url,
            manifest_path=settings.manifest_path,
            content_store_url=settings.content_store_url,
            configured_chain_id=configured,
            force=force,
            progress=_step(progress),
        )
    typer.echo(f"restored {src} (created {manifest.created_at.isoformat()}, chain {manifest.chain_id})")
    typer.echo("custodial keys are sealed: they open only with the master key, which is backed up separately")
