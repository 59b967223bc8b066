"""Serial numbers (GS1 AI 21) of a product: validation, numeric ranges, and the batch's Merkle root.

A registered batch commits to its serials with one root, so anyone holding a serial and
its proof can show it belongs to the brand's registration without the full list. The
encoding is ProvenanceRegistry's (see IProvenanceRegistry): serial hash =
keccak256(UTF-8 serial), leaf = OpenZeppelin leaf of ``(uint256 gtin, bytes32 serialHash)``,
so ``verifySerial`` on chain accepts the proofs built here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from eth_utils import keccak

from backend.proofs.merkle import MerkleTree, verify_proof

MAX_SERIAL_LENGTH = 20
MAX_SERIALS_PER_BATCH = 100_000
SERIAL_LEAF_TYPES = ("uint256", "bytes32")

# GS1 General Specifications, character set 82: what AI 21 may contain.
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$")


class InvalidSerial(ValueError):
    """A serial or range that cannot be registered; `reasons` lists every problem found."""

    def __init__(self, reasons: Sequence[str]):
        super().__init__("; ".join(reasons))
        self.reasons = list(reasons)


def serial_problem(serial: str) -> str | None:
    """Why `serial` is not a valid AI 21 value, or None."""
    if not serial:
        return "serial is empty"
    if len(serial) > MAX_SERIAL_LENGTH:
        return f"serial {serial[:MAX_SERIAL_LENGTH]!r}... is {len(serial)} characters; at most {MAX_SERIAL_LENGTH}"
    if not _CSET82.match(serial):
        return f"serial {serial!r} has characters outside GS1 character set 82"
    return None


@dataclass(frozen=True)
class SerialRange:
    """Numeric serials ``prefix + zero-padded number`` for number in [first, last]."""

    first: int
    last: int
    width: int = 0
    prefix: str = ""

    def problems(self) -> list[str]:
        found = []
        if self.first < 0 or self.last < self.first:
            found.append(f"range {self.first}..{self.last} is empty or negative")
        elif self.last - self.first + 1 > MAX_SERIALS_PER_BATCH:
            found.append(f"range {self.first}..{self.last} holds more than {MAX_SERIALS_PER_BATCH} serials")
        elif (problem := serial_problem(self._format(self.last))) is not None:
            found.append(problem)
        if self.prefix and (problem := serial_problem(self.prefix)) is not None:
            found.append(f"prefix: {problem}")
        return found

    def _format(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.width}d}"

    def serials(self) -> list[str]:
        return [self._format(number) for number in range(self.first, self.last + 1)]


def validate_serials(serials: Iterable[str]) -> list[str]:
    """Every serial checked and duplicates refused; returns the serials or raises `InvalidSerial`."""
    listed = list(serials)
    reasons = [problem for serial in listed if (problem := serial_problem(serial)) is not None]
    if not listed:
        reasons.append("no serials given")
    if len(listed) > MAX_SERIALS_PER_BATCH:
        reasons.append(f"{len(listed)} serials in one batch; at most {MAX_SERIALS_PER_BATCH}")
    duplicates = sorted(serial for serial, count in Counter(listed).items() if count > 1)
    if duplicates:
        reasons.append(f"duplicate serials: {', '.join(duplicates[:10])}" + (" ..." if len(duplicates) > 10 else ""))
    if reasons:
        raise InvalidSerial(reasons)
    return listed


def expand(serials: Iterable[str] = (), ranges: Iterable[SerialRange] = ()) -> list[str]:
    """Individual serials plus every range, validated together (a range may not overlap a listed serial)."""
    listed = list(serials)
    reasons: list[str] = []
    for serial_range in ranges:
        problems = serial_range.problems()
        if problems:
            reasons.extend(problems)
        else:
            listed.extend(serial_range.serials())
    if reasons:
        raise InvalidSerial(reasons)
    return validate_serials(listed)


def serial_hash(serial: str) -> bytes:
    return keccak(serial.encode("utf-8"))


def serial_leaf(gtin14: str, serial: str) -> bytes:
    """``hash_leaf(("uint256", "bytes32"), (gtin, serial_hash))``, encoded by hand: both types are
    static 32-byte words, and eth-abi's general encoder would make a 100,000-serial batch take
    seconds instead of a fraction of one."""
    return keccak(keccak(int(gtin14).to_bytes(32, "big") + serial_hash(serial)))


def serials_tree(gtin14: str, serials: Sequence[str]) -> MerkleTree:
    return MerkleTree([serial_leaf(gtin14, serial) for serial in serials])


def verify_serial(root: bytes, gtin14: str, serial: str, proof: Sequence[bytes]) -> bool:
    return verify_proof(proof, root, serial_leaf(gtin14, serial))
