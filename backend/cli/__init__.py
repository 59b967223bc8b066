"""The ``trustledger`` command line: one sub-command (or sub-app) per module in this package."""

import typer

from backend.cli.failures import DEBUG_META, CleanFailures

app = typer.Typer(
    name="trustledger",
    cls=CleanFailures,
    help="trustledger: ad settlement, data consent and product provenance on a permissioned EVM chain.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)



@app.callback()
def main(
    context: typer.Context,
    debug: bool = typer.Option(
        False, "--debug", envvar="TRUSTLEDGER_DEBUG", help="show the traceback when a command fails"
    ),
) -> None:
    """trustledger: ad settlement, data consent and product provenance on a permissioned EVM chain."""
    context.meta[DEBUG_META] = debug


# Sub-commands live in their own modules, which never import this one back; they are
# registered here, one line each.
from backend.cli import admin, backup, chain_config, deploy, embedded, index, keys, sender, serve, verify_event  # noqa: E402

app.command()(deploy.deploy)
app.command()(serve.api)
app.command()(serve.worker)
app.command()(serve.beat)
app.command(name="run")(embedded.run)
app.command(name="verify-event")(verify_event.verify_event)
app.command()(backup.backup)
app.command()(backup.restore)
app.add_typer(chain_config.chain_config_app, name="chain-config")
app.add_typer(keys.keys_app, name="keys")
app.add_typer(sender.sender_app, name="sender")
app.add_typer(admin.admin_app, name="admin")
app.add_typer(index.index_app, name="index")
