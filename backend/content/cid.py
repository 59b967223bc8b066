"""Content identifiers: CIDv1, raw codec, sha2-256, base32 (``bafkrei...``).

Kubo gives a file exactly this CID when it is added as one raw block (``cid-version=1``,
``raw-leaves=true``) and fits one chunk. Both stores therefore cap content at one
Kubo chunk, 1 MiB (Kubo's largest), so a CID computed here is the CID Kubo reports
and content moves between the stores unchanged. Larger content would become a
UnixFS DAG whose CID depends on chunking; creatives and documents fit in 1 MiB.
"""

from __future__ import annotations

from multiformats import CID, multihash

from backend.content.errors import CidMismatch, ContentTooLarge, InvalidCid

MAX_CONTENT_BYTES = 1024 * 1024


def cid_for(data: bytes) -> str:
    return str(CID("base32", 1, "raw", multihash.digest(data, "sha2-256")))


def check_size(data: bytes) -> None:
    if len(data) > MAX_CONTENT_BYTES:
        raise ContentTooLarge(len(data), MAX_CONTENT_BYTES)


def parse_cid(cid: str) -> CID:
    """A raw sha2-256 CID (v1 in any multibase); the only kind the stores hold."""
    try:
        parsed = CID.decode(cid)
    except (ValueError, KeyError) as exc:
        raise InvalidCid(cid, str(exc)) from exc
    if parsed.version != 1 or parsed.codec.name != "raw" or parsed.hashfun.name != "sha2-256":
        raise InvalidCid(cid, "expected CIDv1 with the raw codec and sha2-256")
    return parsed


def same_cid(a: str, b: str) -> bool:
    """Equal CIDs, whatever multibase each is written in."""
    try:
        return CID.decode(a) == CID.decode(b)
    except (ValueError, KeyError):
        return False


def verify_content(cid: str, data: bytes) -> None:
    actual = cid_for(data)
    if not same_cid(actual, cid):
        raise CidMismatch(expected=cid, actual=actual)
