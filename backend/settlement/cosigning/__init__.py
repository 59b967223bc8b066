"""Attesters' signatures of a settlement and the ``commitSettlement`` they unlock: the platform's own, and co-signers' through the API."""
