"""The bytes CampaignEscrow checks: Merkle leaves of both trees, the per-epoch record, the EIP-712 attestation.

Pure encodings (no database, no chain): the contracts' tests and benchmarks import them alone.
"""
