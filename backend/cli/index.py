"""`trustledger index …`: the chain -> SQL mirror, whose commands live in ``indexer.cli``."""

from __future__ import annotations

from indexer.cli import app as index_app

__all__ = ["index_app"]
