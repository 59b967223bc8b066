"""Ad campaigns: create with terms anchored on chain, fund, pause, end, refund; status and reports
from the indexer's mirror of CampaignEscrow.

- ``terms``, ``kinds``: the pricing terms (checked against ``campaign-terms.v1.json``) and the
  event kinds they price.
- ``phase``: a campaign as event screening sees it (phase, budget, terms).
- ``models``: the campaign record and the chain actions asked of it (tables).
- ``creation``, ``actions``: create; fund and top up, pause, unpause, end, refund.
- ``anchoring``: a campaign's on-chain id, from its CampaignCreated log in the mirror.
- ``mirror``, ``status``, ``views``: chain state as the indexer mirrored it, the derived status,
  transactions not mirrored yet, reports.
- ``state``: what the ad pipeline needs by on-chain id (terms, phase, deposit, spend).
- ``submission``, ``signed_transactions``: custodial keys through the outbox, or the wallet's
  own signed transaction.
- ``tokens``, ``demo``: allowlist and faucet; the demo's campaign steps.

Modules are imported by their full name; this file exports nothing.
The HTTP side is ``backend.api.routes.campaigns``, ``tokens`` and ``publishers``.
"""
