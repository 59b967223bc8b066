"""The gas benchmark prints every figure in order, and the escrow's figures stay within their goals."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "scripts" / "bench" / "contract_gas.py"


def _goals() -> dict[str, int]:
    spec = importlib.util.spec_from_file_location("contract_gas", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(BENCH.parent))  # the script imports its sibling _registry_gas
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH.parent))
    return module.GOALS


def test_contract_gas_prints_every_figure_within_its_goal():
    result = subprocess.run([sys.executable, str(BENCH)], capture_output=True, text=True, timeout=300, check=True)
    lines = result.stdout.strip().splitlines()
    figures = {}
    for line in lines:
        match = re.fullmatch(r"(\w+): (\d+) gas", line)
        assert match, f"unexpected line {line!r}"
        figures[match[1]] = int(match[2])
    assert list(figures) == ["commit_gas", "payout_first_gas", "grant_gas", "anchor_gas", "payout_gas"]
    goals = _goals()
    assert goals == {"commit_gas": 90_000, "payout_first_gas": 110_000, "payout_gas": 75_000}
    for name, goal in goals.items():
        assert 21_000 < figures[name] <= goal, f"{name} = {figures[name]} gas exceeds its goal of {goal}"
