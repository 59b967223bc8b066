"""Settings of the indexer process, read from the environment (prefix ``TRUSTLEDGER_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IndexerSettings(BaseSettings):
    """Where to read the chain, where to write the mirror, and how cautiously.

    Every field can be set as ``TRUSTLEDGER_<FIELD>``; the database URL is also read
    from the conventional ``DATABASE_URL``, which the backend shares.
    """

    model_config = SettingsConfigDict(env_prefix="TRUSTLEDGER_", populate_by_name=True, extra="ignore")

    database_url: str = Field(
        default="sqlite:///data/trustledger.db",
        validation_alias=AliasChoices("TRUSTLEDGER_DATABASE_URL", "DATABASE_URL", "database_url"),
        description="SQLAlchemy URL of the mirror: a SQLite file by default, `postgresql://…` in production "
        "(plain `postgresql://` and `postgres://` URLs are driven by psycopg 3).",
    )
    rpc_url: str = Field(
        default="http://127.0.0.1:8545",
        description="JSON-RPC endpoint of the node the mirror follows (anvil locally, the Besu RPC node in production).",
    )
    manifest_path: Path = Field(
        default=Path("data/deployment.json"),
        description="Deployment manifest written by `trustledger deploy`: which contracts to mirror, from which block.",
    )
    max_block_range: int = Field(
        default=2000,
        ge=1,
        description="Largest `eth_getLogs` block range. Besu rejects more than 5,000 by default; the range is "
        "halved when the node refuses it and grows back up to this while results are sparse.",
    )
    target_logs_per_request: int = Field(
        default=10_000,
        ge=1,
        description="Logs one `eth_getLogs` answer should carry: a denser answer halves the next range, one under "
        "a quarter of this doubles it. Also bounds the rows of one database transaction.",
    )
    confirmation_depth: int = Field(
        default=0,
        ge=0,
        description="Blocks to stay behind the head. 0 suits QBFT, whose blocks are final at once; reorgs are "
        "handled at any depth anyway.",
    )
    reorg_window: int = Field(
        default=64,
        ge=1,
        description="Recent blocks whose hashes and undo journal are kept. A reorg deeper than this stops the "
        "indexer (ReorgTooDeep) instead of rolling back.",
    )
    poll_interval: float = Field(
        default=1.0,
        gt=0,
        description="Seconds between head polls once the mirror has caught up.",
    )
    rpc_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds before an RPC call counts as failed; a timed-out `eth_getLogs` halves its range.",
    )
    max_backoff: float = Field(
        default=30.0,
        gt=0,
        description="Longest wait between retries while the node is unreachable or behind (backoff doubles "
        "from a quarter second up to this).",
    )


__all__ = ["IndexerSettings"]
