"""Proofs of billed events: building one from the stored tree, and checking one against the chain."""
