"""`trustledger admin bootstrap`: the first admin, its key printed once; a second bootstrap is refused."""

import re

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from backend.api.main import create_app
from backend.chain.local_node import dev_private_keys
from backend.cli import app as cli
from backend.core.config import Settings, get_settings


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("TRUSTLEDGER_DATABASE_URL", url)
    monkeypatch.setenv("TRUSTLEDGER_DEPLOYER_PRIVATE_KEY", dev_private_keys(1)[0])
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_bootstrap_creates_one_admin_and_prints_its_key_once(cli_env):
    result = CliRunner().invoke(cli, ["admin", "bootstrap", "--name", "Ops"])
    assert result.exit_code == 0, result.output
    key = re.search(r"(tlk_\S+)", result.output).group(1)
    assert Account.from_key(dev_private_keys(1)[0]).address in result.output

    with TestClient(create_app(Settings(database_url=cli_env))) as client:
        me = client.get("/v1/participants/me", headers={"Authorization": f"Bearer {key}"}).json()
        assert me["display_name"] == "Ops" and me["roles"] == ["admin", "kyc_officer"] and me["status"] == "approved"
        listed = client.get("/v1/participants", headers={"Authorization": f"Bearer {key}"})
        assert listed.status_code == 200 and len(listed.json()) == 1

    again = CliRunner().invoke(cli, ["admin", "bootstrap"])
    assert again.exit_code == 1 and "an admin exists already" in again.output
    assert "tlk_" not in again.output
