"""Ad campaigns: create with terms anchored on chain, fund, pause, end, refund; status and reports
from the indexer's mirror of CampaignEscrow.

- ``models``: the campaign record and the chain actions asked of it (tables).
- ``creation``, ``actions``: create; fund and top up, pause, unpause, end, refund.
- ``anchoring``: a campaign's on-chain id, from its CampaignCreated log in the mirror.
- ``mirror``, ``status``, ``views``: chain state as the indexer mirrored it, the derived status,
  transactions not mirrored yet, reports.
- ``state``: what the ad pipeline needs by on-chain id (terms, phase, deposit, spend).
- ``submission``, ``signed_transactions``: custodial keys through the outbox, or the wallet's
  own signed transaction.
- ``tokens``, ``demo``: allowlist and faucet; the demo's campaign steps.

The HTTP side is ``backend.api.routes.campaigns``, ``tokens`` and ``publishers``.
"""

from backend.campaigns.anchoring import anchor_pending, refresh
from backend.campaigns.mirror import Mirror, mirror_for
from backend.campaigns.models import AnchorStatus, Campaign, CampaignAction, CampaignActionKind
from backend.campaigns.state import campaign_by_chain_id, campaign_state, campaign_terms
from backend.campaigns.status import CampaignStatus, campaign_status, phase_of

__all__ = [
    "AnchorStatus",
    "Campaign",
    "CampaignAction",
    "CampaignActionKind",
    "CampaignStatus",
    "Mirror",
    "anchor_pending",
    "campaign_by_chain_id",
    "campaign_state",
    "campaign_status",
    "campaign_terms",
    "mirror_for",
    "phase_of",
    "refresh",
]
