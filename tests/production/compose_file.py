"""Read docker-compose.yml the way the tests need it (raw YAML, anchors resolved)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
ENV_TEMPLATE = PROJECT_ROOT / "deploy" / "trustledger.env.example"
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}; $$ is an escaped dollar.
_REFERENCE = re.compile(r"(?<!\$)\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<rest>[^}]*)\}")


def load_compose() -> dict:
    """The compose file with every ``${VAR:-default}`` replaced by its default."""

    def default(match: re.Match) -> str:
        rest = match["rest"]
        if not rest.startswith((":-", "-")):
            raise AssertionError(f"${{{match['name']}}} has no default; the tests cannot resolve it")
        return rest.split("-", 1)[1]

    return yaml.safe_load(_REFERENCE.sub(default, COMPOSE_FILE.read_text()))


def services() -> dict[str, dict]:
    return load_compose()["services"]


def referenced_variables() -> dict[str, bool]:
    """Variables the compose file interpolates, mapped to whether it gives a default."""
    found: dict[str, bool] = {}
    for match in _REFERENCE.finditer(COMPOSE_FILE.read_text()):
        has_default = match["rest"].startswith((":-", "-"))
        found[match["name"]] = found.get(match["name"], True) and has_default
    return found


def template_variables() -> tuple[set[str], set[str]]:
    """(set, documented): ``KEY=value`` lines, and ``# KEY=...`` lines (optional, shown with their default)."""
    assigned, documented = set(), set()
    for line in ENV_TEMPLATE.read_text().splitlines():
        if match := re.match(r"^([A-Z][A-Z0-9_]*)=", line):
            assigned.add(match[1])
        elif match := re.match(r"^#\s*([A-Z][A-Z0-9_]*)=", line):
            documented.add(match[1])
    return assigned, documented
