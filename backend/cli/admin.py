"""`trustledger admin bootstrap`: the first admin account and its API key."""

from __future__ import annotations

import typer
from eth_account import Account
from sqlmodel import Session

from backend.core.config import get_settings

admin_app = typer.Typer(help="Platform administration.", no_args_is_help=True)


@admin_app.command()
def bootstrap(name: str = typer.Option("Platform admin", help="display name of the admin participant")) -> None:
    """Create the first admin (admin + KYC officer, at the deployer's address) and print its API key once."""
    from backend.core.db import engine_for
    from backend.db.migrate import upgrade_database
    from backend.identity.participants import AdminExists, bootstrap_admin

    settings = get_settings()
    address = (
        Account.from_key(settings.deployer_private_key.get_secret_value()).address
        if settings.deployer_private_key is not None
        else None
    )
    upgrade_database(settings.database_url)
    with Session(engine_for(settings.database_url)) as session:
        try:
            participant, issued = bootstrap_admin(session, display_name=name, address=address)
        except AdminExists as exc:
            typer.echo(f"refused: {exc}", err=True)
            raise typer.Exit(1) from None
        session.commit()
        typer.echo(f"admin participant: {participant.id} (address {address or 'none: no deployer key set'})")
        typer.echo(f"admin API key, shown once (store it now): {issued.secret}")
