"""The ``trustledger`` command line: one sub-command (or sub-app) per module in this package."""

import typer

app = typer.Typer(
    name="trustledger",
    help="trustledger: ad settlement, data consent and product provenance on a permissioned EVM chain.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# Sub-commands register themselves below, one line each.
from backend.cli import deploy, serve  # noqa: E402

app.command()(deploy.deploy)

app.command()(serve.api)
app.command()(serve.worker)
app.command()(serve.beat)
from backend.cli import embedded  # noqa: E402

app.command(name="run")(embedded.run)
from backend.cli import chain_config  # noqa: E402,F401  (registers `chain-config`)
from backend.cli import keys, sender  # noqa: E402,F401  (registers `keys` and `sender`)
from backend.cli import admin  # noqa: E402,F401  (registers `admin`)
from backend.cli import verify_event  # noqa: E402,F401  (registers `verify-event`)
from backend.cli import index  # noqa: E402,F401  (registers `index`)
