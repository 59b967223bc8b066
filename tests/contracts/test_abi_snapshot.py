"""The deployable contracts' external interfaces are frozen: a refactor of the Solidity (moving
code into base contracts, renaming internals) must leave every function, event and error a
client, the indexer or a deployed manifest relies on exactly as it was.

To change an interface on purpose, regenerate the snapshot and review its diff:
`python -m tests.contracts.test_abi_snapshot`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.artifacts import load_artifacts

SNAPSHOT = Path(__file__).parent / "snapshots" / "abi.json"
DEPLOYABLE = (
    "AssetRegistry",
    "CampaignEscrow",
    "ConsentRegistry",
    "DIDRegistry",
    "ParticipantRegistry",
    "ProvenanceRegistry",
    "SettlementToken",
)


def _canonical(abi: list[dict]) -> list[dict]:
    return sorted(abi, key=lambda item: json.dumps(item, sort_keys=True))


def _describe(item: dict) -> str:
    inputs = ",".join(i["type"] for i in item.get("inputs", []))
    return f"{item['type']} {item.get('name', '')}({inputs})"


@pytest.mark.parametrize("name", DEPLOYABLE)
def test_the_external_interface_is_unchanged(name):
    expected = _canonical(json.loads(SNAPSHOT.read_text())[name])
    actual = _canonical(load_artifacts()[name].abi)
    missing = [_describe(i) for i in expected if i not in actual]
    added = [_describe(i) for i in actual if i not in expected]
    assert (missing, added) == ([], []), f"{name}: interface changed (missing, added)"


def test_the_snapshot_covers_every_deployable_contract():
    assert sorted(json.loads(SNAPSHOT.read_text())) == sorted(DEPLOYABLE)


if __name__ == "__main__":
    artifacts = load_artifacts()
    SNAPSHOT.write_text(
        json.dumps({n: _canonical(artifacts[n].abi) for n in DEPLOYABLE}, indent=1, sort_keys=True) + "\n"
    )
