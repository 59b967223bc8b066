"""Merkle trees with OpenZeppelin's conventions, so OZ tools verify our proofs.

- A leaf is ``keccak256(bytes.concat(keccak256(abi.encode(values))))`` (double
  hashing rules out second-preimage attacks with 64-byte leaves).
- Pairs are hashed sorted, so a proof is a plain list of siblings (``MerkleProof.verify``).
- The layout is ``StandardMerkleTree``'s: leaf hashes sorted, a complete binary tree
  in one array (children of ``i`` at ``2i+1``, ``2i+2``), leaves at the end in reverse.
"""

from __future__ import annotations

from collections.abc import Sequence

from eth_abi import encode
from eth_utils import keccak
from sha3 import keccak_256


def hash_leaf(types: Sequence[str], values: Sequence) -> bytes:
    return keccak(keccak(encode(list(types), list(values))))


def hash_pair(a: bytes, b: bytes) -> bytes:
    # safe-pysha3 directly: eth-utils' keccak (pycryptodome) is ~8x slower a call, and an
    # epoch's events tree hashes tens of thousands of pairs.
    return keccak_256(a + b).digest() if a < b else keccak_256(b + a).digest()


def verify_proof(proof: Sequence[bytes], root: bytes, leaf: bytes) -> bool:
    node = leaf
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node == root


class MerkleTree:
    """A tree over leaf hashes; ``proof(leaf)`` works for any leaf it holds."""

    def __init__(self, leaves: Sequence[bytes]):
        if not leaves:
            raise ValueError("a Merkle tree needs at least one leaf")
        ordered = sorted(leaves)
        size = 2 * len(ordered) - 1
        tree: list[bytes] = [b""] * size
        for offset, leaf in enumerate(ordered):
            tree[size - 1 - offset] = leaf
        for index in range(size - 1 - len(ordered), -1, -1):
            tree[index] = hash_pair(tree[2 * index + 1], tree[2 * index + 2])
        self._tree = tree
        self._position = {leaf: size - 1 - offset for offset, leaf in enumerate(ordered)}

    @property
    def root(self) -> bytes:
        return self._tree[0]

    def __len__(self) -> int:
        return len(self._position)

    def __contains__(self, leaf: bytes) -> bool:
        return leaf in self._position

    def proof(self, leaf: bytes) -> list[bytes]:
        try:
            index = self._position[leaf]
        except KeyError:
            raise KeyError("leaf is not in the tree") from None
        siblings = []
        while index > 0:
            siblings.append(self._tree[index - 1 if index % 2 == 0 else index + 1])
            index = (index - 1) // 2
        return siblings
