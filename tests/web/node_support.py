"""Running the pages' own JavaScript modules (web/lib) in node, for tests that hold them byte-equal to Python."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")

needs_node = pytest.mark.skipif(NODE is None or not (ROOT / "node_modules/ethers").exists(), reason="node and ethers needed")


def run_module(script: str, stdin: str = "") -> subprocess.CompletedProcess:
    """`script` as an ES module in node, from the project root (so ``./web/lib/...`` imports resolve)."""
    return subprocess.run([NODE, "--input-type=module", "-e", script], input=stdin, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)


def run_json(script: str, payload: Any) -> Any:
    """`script` reading `payload` as JSON on stdin and writing its answer as JSON on stdout."""
    done = run_module(script, json.dumps(payload))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
