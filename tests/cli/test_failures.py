"""Every command fails with one line on stderr, a non-zero exit code and no traceback.

The services are real and unreachable (closed localhost ports), not mocks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend.cli import app
from backend.cli.failures import EXIT_BAD_INPUT, EXIT_UNREACHABLE, describe
from backend.core.config import get_settings

DOWN_DB = "postgresql+psycopg://nobody@127.0.0.1:1/none"
DOWN_RPC = "http://127.0.0.1:1"
DEV_KEY = "0xac0974bec39a17e36ba4a4b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("TRUSTLEDGER_BROKER_URL", "TRUSTLEDGER_DEBUG", "DATABASE_URL", "TRUSTLEDGER_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRUSTLEDGER_RPC_URL", DOWN_RPC)
    monkeypatch.setenv("TRUSTLEDGER_DEPLOYER_PRIVATE_KEY", DEV_KEY)
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "taken").write_text("x")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


CASES = {
    "deploy, node down": (["deploy", "--rpc", DOWN_RPC, "--manifest", "m.json"], {}, EXIT_UNREACHABLE),
    "admin bootstrap, database down": (["admin", "bootstrap"], {"DATABASE_URL": DOWN_DB}, EXIT_UNREACHABLE),
    "api, database down": (["api"], {"DATABASE_URL": DOWN_DB}, EXIT_UNREACHABLE),
    "worker, no broker": (["worker"], {}, 2),
    "beat, no broker": (["beat"], {}, 2),
    "run, broker set": (["run"], {"TRUSTLEDGER_BROKER_URL": "redis://127.0.0.1:1/0"}, 2),
    "verify-event, bad manifest": (["verify-event", "proof.json", "--manifest", "bad.json"], {}, EXIT_BAD_INPUT),
    "verify-event, unreadable proof": (["verify-event", "missing.json", "--manifest", "bad.json"], {}, EXIT_BAD_INPUT),
    "chain-config generate, target taken": (["chain-config", "generate", "--out", "taken"], {}, 2),
    "chain-config node-key, key exists": (["chain-config", "node-key", "--out", "taken"], {}, 2),
    "keys new-master-key, file exists": (["keys", "new-master-key", "--out", "taken"], {}, EXIT_BAD_INPUT),
    "keys rotate, no master key": (["keys", "rotate", "--new-key-file", "missing.key"], {}, None),
    "sender status, database down": (["sender", "status"], {"DATABASE_URL": DOWN_DB}, EXIT_UNREACHABLE),
    "sender run, database down": (["sender", "run", "--drain"], {"DATABASE_URL": DOWN_DB}, EXIT_UNREACHABLE),
    "index status, bad manifest": (["index", "--manifest", "bad.json", "status"], {}, 2),
    "index run, bad manifest": (["index", "--manifest", "bad.json", "run"], {}, 2),
    "index backfill, bad manifest": (["index", "--manifest", "bad.json", "backfill", "--from", "0", "--to", "1"], {}, 2),
    "index verify, bad manifest": (["index", "--manifest", "bad.json", "verify"], {}, 2),
    "backup, database down": (["backup", "out"], {"DATABASE_URL": DOWN_DB}, EXIT_UNREACHABLE),
    "restore, no such backup": (["restore", "missing"], {}, EXIT_BAD_INPUT),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_command_fails_in_one_line(env, case):
    args, extra, expected = CASES[case]
    for name, value in extra.items():
        env.setenv(name, value)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, args, terminal_width=400)
    assert result.exit_code != 0, result.output
    if expected is not None:
        assert result.exit_code == expected, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_debug_shows_the_exception(env):
    result = CliRunner().invoke(app, ["--debug", "deploy", "--rpc", DOWN_RPC, "--manifest", "m.json"])
    assert result.exit_code != 0
    assert result.exception is not None and not isinstance(result.exception, SystemExit)


def test_node_down_line_says_what_and_how(env):
    result = CliRunner().invoke(app, ["deploy", "--rpc", DOWN_RPC, "--manifest", "m.json"])
    assert result.stderr.startswith("error: chain node unreachable at http://127.0.0.1:1")
    assert " — start the node" in result.stderr


def test_classes_map_to_codes():
    import json

    import httpx
    from kombu.exceptions import OperationalError

    from backend.core.errors import Refusal

    assert describe(OperationalError("refused")).code == EXIT_UNREACHABLE
    assert "broker" in describe(OperationalError("refused")).what
    request = httpx.Request("GET", "http://127.0.0.1:1/api/v0/add")
    assert describe(httpx.ConnectError("refused", request=request)).code == EXIT_UNREACHABLE
    assert describe(json.JSONDecodeError("x", "{", 0)).code == EXIT_BAD_INPUT
    assert describe(FileNotFoundError(2, "no", "x.json")).what == "file not found: x.json"
    refusal = describe(Refusal("campaign_closed", "campaign 7 is ended"))
    assert refusal.what == "refused: campaign 7 is ended"
    try:
        raise RuntimeError("wrapped") from ConnectionRefusedError("refused")
    except RuntimeError as exc:
        assert describe(exc).code == EXIT_UNREACHABLE
