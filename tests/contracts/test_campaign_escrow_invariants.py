"""CampaignEscrow's invariant campaign: forge runs >= 1,000 random call sequences (tests/forge).

Why forge rather than hypothesis stateful tests on anvil: a sequence of 30 calls costs
forge well under a millisecond in its in-process EVM, while anvil answers ~60 transactions
a second through web3 (~300 raw), so 1,000 sequences would take minutes there and about
half a minute here. The seed is random per run and reported on failure, so a failing
sequence can be replayed with ``forge test --fuzz-seed SEED``.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FORGE = PROJECT_ROOT / "node_modules" / "@foundry-rs" / "forge-linux-amd64" / "bin" / "forge"
INVARIANTS = "tests/forge/CampaignEscrowInvariants.t.sol:CampaignEscrowInvariants"
PATHS = "tests/forge/EscrowHandlerPaths.t.sol:EscrowHandlerPaths"


@pytest.mark.slow
def test_escrow_invariants_hold_over_a_thousand_random_sequences():
    seed = secrets.randbits(64)
    result = subprocess.run(
        [str(FORGE), "test", "--json", "--fuzz-seed", str(seed), "--offline"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        suites = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"forge did not report (exit {result.returncode}):\n{result.stderr[-3000:]}\n{result.stdout[-3000:]}")
    replay = f"replay with: forge test --fuzz-seed {seed}"

    paths = suites[PATHS]["test_results"]["test_everyEscrowActionSucceedsOnAScriptedPath()"]
    assert paths["status"] == "Success", f"{paths['reason']} ({replay})"

    invariant = suites[INVARIANTS]["test_results"]["invariant_escrow()"]
    assert invariant["status"] == "Success", f"{invariant['reason']}: {invariant['counterexample']} ({replay})"
    stats = invariant["kind"]["Invariant"]
    assert stats["runs"] >= 1_000, stats
    assert stats["calls"] >= 30 * stats["runs"], stats  # every sequence ran to its full depth
    assert stats["reverts"] == 0, stats  # the handler itself never fails; escrow refusals are caught inside it
    assert result.returncode == 0, result.stderr[-3000:]
