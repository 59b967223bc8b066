"""The campaigns a batch names, as the filters need them (``filters.CampaignState``), in a few queries.

Events carry CampaignEscrow's campaign id. For the ids of one batch: the anchored
campaign rows of the deployment's escrow (terms) joined with their mirrored chain
state (deposit, spend, paused, closed, end time), and the mirror's chain time, judged
by the same ``campaigns.status`` rules the campaign API shows. A campaign not anchored
yet, of another escrow, or without a deployment is unknown to ingestion. Terms are
parsed once per terms hash: they never change, and schema validation costs more than
the queries.

``backend.campaigns.state.campaign_state`` answers the same for one campaign through
``campaigns.mirror.Mirror`` and ORM objects; this batches it (two queries a batch
instead of three per campaign, rows instead of objects) on the batch's own connection,
which ``Mirror`` cannot take (it reads the database URL from a session bound to an
engine).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Connection, and_, bindparam, inspect, select

from backend.campaigns.phase import CampaignState
from backend.ads.pricing import reserve_for
from backend.campaigns.terms import CampaignTerms, parse_terms_json
from backend.campaigns.chain import ESCROW
from backend.campaigns.models import AnchorStatus, Campaign
from backend.campaigns.status import campaign_status, phase_of
from contracts.deployment import DeploymentManifest, ManifestError
from indexer.models import Campaign as ChainCampaign
from indexer.models import Checkpoint, IndexedBlock

_TERMS_CACHE_SIZE = 10_000
_ready_databases: set[str] = set()
_campaigns = Campaign.__table__
_chains = ChainCampaign.__table__
_blocks = IndexedBlock.__table__
_checkpoints = Checkpoint.__table__
# Core, not ORM objects: this runs for every batch.
_CAMPAIGNS = (
    select(
        _campaigns.c.chain_campaign_id,
        _campaigns.c.anchoring,
        _campaigns.c.terms_hash,
        _campaigns.c.terms_json,
        _chains.c.deposited,
        _chains.c.cumulative_spent,
        _chains.c.paused,
        _chains.c.closed,
        _chains.c.end_time,
    )
    .join(
        _chains,
        and_(_chains.c.contract == _campaigns.c.escrow_address, _chains.c.campaign_id == _campaigns.c.chain_campaign_id),
    )
    .where(
        _campaigns.c.escrow_address == bindparam("escrow"),
        _campaigns.c.chain_campaign_id.in_(bindparam("ids", expanding=True)),
        _campaigns.c.anchoring == AnchorStatus.ANCHORED.value,
    )
)
# The timestamp of the newest mirrored block: Mirror.chain_time in one query.
_CHAIN_TIME = (
    select(_blocks.c.timestamp)
    .join(_checkpoints, and_(_checkpoints.c.chain_id == _blocks.c.chain_id, _checkpoints.c.block_number == _blocks.c.number))
    .where(_checkpoints.c.chain_id == bindparam("chain_id"))
)


class CampaignStates:
    def __init__(self, manifest_path: Path, reserve_bps: int):
        self._manifest_path = manifest_path
        self._reserve_bps = reserve_bps
        self._deployment: tuple[int, int | None, str | None] | None = None  # (manifest mtime, chain id, escrow)
        self._terms: dict[str, CampaignTerms] = {}

    def load(self, connection: Connection, campaign_ids: Iterable[int]) -> dict[int, CampaignState]:
        ids = sorted(set(campaign_ids))
        chain_id, escrow = self._escrow()
        if escrow is None or not ids or not _mirror_ready(connection):
            return {}
        rows = connection.execute(_CAMPAIGNS, {"escrow": escrow, "ids": ids}).all()
        chain_time = connection.execute(_CHAIN_TIME, {"chain_id": chain_id}).scalar() if rows else None
        states = {}
        for row in rows:
            # One row of the join carries what campaign_status reads of both the campaign
            # (anchoring) and its chain state (closed, end_time, paused, deposited).
            phase = phase_of(campaign_status(row, row, chain_time))
            if phase is None:
                continue
            states[row.chain_campaign_id] = CampaignState(
                campaign_id=row.chain_campaign_id,
                phase=phase,
                deposit=row.deposited,
                spent=row.cumulative_spent,
                terms=self._terms_of(row.terms_hash, row.terms_json),
                reserve=reserve_for(row.deposited, self._reserve_bps),
            )
        return states

    def _terms_of(self, terms_hash: str, terms_json: str) -> CampaignTerms:
        terms = self._terms.get(terms_hash)
        if terms is None:
            if len(self._terms) >= _TERMS_CACHE_SIZE:
                self._terms.clear()
            terms = self._terms[terms_hash] = parse_terms_json(terms_json)
        return terms

    def _escrow(self) -> tuple[int | None, str | None]:
        """The escrow of the deployment manifest, re-read when the file changes (a deploy writes it)."""
        try:
            mtime = self._manifest_path.stat().st_mtime_ns
        except OSError:
            return None, None
        if self._deployment is None or self._deployment[0] != mtime:
            try:
                manifest = DeploymentManifest.load(self._manifest_path)
            except ManifestError:
                return None, None
            escrow = manifest.contracts.get(ESCROW)
            self._deployment = (mtime, manifest.chain_id, escrow.address if escrow else None)
        return self._deployment[1], self._deployment[2]


def _mirror_ready(connection: Connection) -> bool:
    """Whether the indexer has created its tables in this database (it migrates them itself)."""
    key = str(connection.engine.url)
    if key not in _ready_databases and inspect(connection).has_table(ChainCampaign.__tablename__):
        _ready_databases.add(key)
    return key in _ready_databases
