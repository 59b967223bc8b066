"""deploy/prometheus/alerts.yml and the Grafana dashboard query only metrics the app exports.

Renaming a metric without updating the rules or the dashboard fails here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.observability.support import exported_metric_names

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARDS = ROOT / "deploy" / "grafana" / "dashboards"
# Names in a PromQL expression that are not metrics: functions, keywords, label names.
_IDENTIFIER = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
REQUIRED_ALERTS = {
    "IndexerLagging", "SenderNonceStuck", "SettlementEpochFailed", "SettlementEpochLate", "PayoutsBehind",
    "FilteredTrafficSpike", "HighErrorRate",
}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    without_strings = re.sub(r'"[^"]*"', '""', expr)
    without_labels = re.sub(r"\{[^}]*\}", "", without_strings)
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_labels)
    return {name for name in _IDENTIFIER.findall(without_ranges) if name.startswith("trustledger_")}


def rules() -> list[dict]:
    return [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]


def test_every_rule_has_for_severity_summary_and_description():
    found = rules()
    assert REQUIRED_ALERTS <= {rule["alert"] for rule in found}
    for rule in found:
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]


def test_rules_query_only_exported_metrics():
    exported = exported_metric_names()
    assert "trustledger_ad_events_total" in exported and "trustledger_sender_nonce_gaps" in exported
    for rule in rules():
        used = metric_names(rule["expr"])
        assert used, f"{rule['alert']} queries no trustledger metric"
        assert used <= exported, f"{rule['alert']} queries {sorted(used - exported)}, which the app does not export"


def test_the_check_notices_a_renamed_metric():
    assert metric_names('sum(rate(trustledger_ad_event_count{outcome="x"}[5m]))') == {"trustledger_ad_event_count"}
    assert not {"trustledger_ad_event_count"} <= exported_metric_names()


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian package prometheus) is not installed")
def test_promtool_accepts_the_rules():
    done = subprocess.run(["promtool", "check", "rules", str(ALERTS)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(rules())} rules found" in done.stdout


def test_every_dashboard_panel_queries_exported_metrics():
    exported = exported_metric_names()
    dashboards = sorted(DASHBOARDS.glob("*.json"))
    assert dashboards
    for path in dashboards:
        dashboard = json.loads(path.read_text())
        assert dashboard["uid"] and dashboard["panels"]
        for panel in dashboard["panels"]:
            expressions = [target["expr"] for target in panel["targets"]]
            assert expressions, panel["title"]
            for expr in expressions:
                used = metric_names(expr)
                assert used and used <= exported, f"{path.name} / {panel['title']}: {sorted(used - exported)}"
            assert panel["datasource"]["uid"] == "trustledger-prometheus"
    provisioned = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text())
    assert provisioned["datasources"][0]["uid"] == "trustledger-prometheus"
