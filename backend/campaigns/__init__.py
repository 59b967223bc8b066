"""Ad campaigns: create with terms anchored on chain, fund, pause, end, refund; status and reports
from the indexer's mirror of CampaignEscrow."""
