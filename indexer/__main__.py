"""``python -m indexer …`` runs the same commands as ``trustledger index …``."""

from indexer.cli import app

app(prog_name="indexer")
