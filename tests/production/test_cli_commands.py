"""Every command the compose file runs exists in the real CLI, with the options it passes."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from backend.cli import app
from tests.production.compose_file import services


def trustledger_commands() -> dict[str, list[str]]:
    return {
        name: service["command"]
        for name, service in services().items()
        if service.get("image", "").startswith("trustledger:")
    }


def test_python_services_run_the_trustledger_image():
    assert set(trustledger_commands()) == {"api", "worker", "beat", "indexer", "deploy"}


@pytest.mark.parametrize("service", ["api", "worker", "beat", "indexer", "deploy"])
def test_compose_command_exists_in_the_cli(service):
    command = trustledger_commands()[service]
    words = []
    for token in command:
        if token.startswith("-"):
            break
        words.append(token)
    options = [token.split("=")[0] for token in command if token.startswith("--")]
    result = CliRunner().invoke(app, [*words, "--help"], terminal_width=200)
    assert result.exit_code == 0, f"`trustledger {' '.join(words)}` does not exist: {result.output}"
    for option in options:
        assert option in result.output, f"`trustledger {' '.join(words)}` has no {option} option"
