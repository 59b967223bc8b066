"""Merkle trees and leaf encodings shared by settlement, provenance and verification."""

from backend.proofs.merkle import MerkleTree, hash_leaf, hash_pair, verify_proof

__all__ = ["MerkleTree", "hash_leaf", "hash_pair", "verify_proof"]
