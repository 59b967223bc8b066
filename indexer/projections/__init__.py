"""Domain projections, one module per contract artifact; add a module and list it here.

The catalog reads this registry; nothing here imports the catalog back (a projection
sees logs as ``indexer.decoding.DecodedLog``), so the arrows run catalog -> projections
-> framework -> decoding and never return.
"""

from __future__ import annotations

from indexer.projections import (
    asset_registry,
    campaign_escrow,
    consent_registry,
    did_registry,
    participant_registry,
    provenance_registry,
    settlement_token,
)
from indexer.projections.framework import Handler, Projection, ProjectionContext

PROJECTIONS: dict[str, Projection] = {
    module.projection.artifact: module.projection
    for module in (
        participant_registry,
        settlement_token,
        campaign_escrow,
        consent_registry,
        did_registry,
        provenance_registry,
        asset_registry,
    )
}


def projection_for(artifact: str) -> Projection | None:
    """The projection of a contract artifact; None for contracts mirrored as raw logs only."""
    return PROJECTIONS.get(artifact)


__all__ = ["PROJECTIONS", "Handler", "Projection", "ProjectionContext", "projection_for"]
