"""`trustledger index …`: the chain -> SQL mirror, whose commands live in ``indexer.cli``."""

from __future__ import annotations

from backend.cli import app
from indexer.cli import app as index_app

app.add_typer(index_app, name="index")
