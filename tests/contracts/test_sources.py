"""House rules of the Solidity sources that the compiler does not check: every external or
public function carries NatSpec (its own `@notice` or an `@inheritdoc` of the interface that
documents it), and no source file grows past a size a reviewer can hold in mind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
SOURCES = sorted(p for p in CONTRACTS.rglob("*.sol") if "test" not in p.relative_to(CONTRACTS).parts)
MAX_LINES = 500
FUNCTION = re.compile(r"^\s*function\s+(\w+)\s*\(")


def _undocumented(path: Path) -> list[str]:
    lines = path.read_text().splitlines()
    missing = []
    for index, line in enumerate(lines):
        match = FUNCTION.match(line)
        if not match:
            continue
        header = " ".join(lines[index : index + 12]).split("{")[0].split(";")[0]
        if not re.search(r"\b(external|public)\b", header):
            continue
        comments = []
        above = index - 1
        while above >= 0 and lines[above].strip().startswith("///"):
            comments.append(lines[above])
            above -= 1
        if not any("@notice" in c or "@inheritdoc" in c for c in comments):
            missing.append(f"{path.name}:{index + 1} {match.group(1)}")
    return missing


def test_sources_were_found():
    assert len(SOURCES) >= 10


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(CONTRACTS).as_posix())
def test_every_external_function_has_natspec(path):
    assert _undocumented(path) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(CONTRACTS).as_posix())
def test_no_source_file_is_over_the_size_budget(path):
    assert len(path.read_text().splitlines()) <= MAX_LINES


def test_the_checker_sees_an_undocumented_function(tmp_path):
    source = tmp_path / "Bad.sol"
    source.write_text("contract Bad {\n    /// @dev only a dev note\n    function f() external {}\n}\n")
    assert _undocumented(source) == ["Bad.sol:3 f"]
