"""Quiet on a healthy EKS cluster: every alert rule the repository ships, fed the series of a
healthy cluster (healthy_eks.py) for hours, fires nothing; the same harness catches a stopped
component.

promtool compares only the alerts a test names, so the harness names every alert in the rule
files, at several times, each expecting no firing alert.
"""

import subprocess
from pathlib import Path

import healthy_eks
import pytest
import yaml

from conftest import ROOT

RULE_FILES = sorted((ROOT / "charts/webapp/files/rules").glob("*.yaml"))
# The heartbeat and the inhibitor helper fire on purpose; neither ever routes to a receiver.
ALWAYS_FIRING = {"Watchdog", "InfoInhibitor"}
EVAL_TIMES = [f"{hours}h" for hours in range(1, healthy_eks.HOURS + 1)]


def alert_names() -> list[str]:
    return sorted(
        {
            rule["alert"]
            for path in RULE_FILES
            for group in yaml.safe_load(path.read_text())["groups"]
            for rule in group["rules"]
            if "alert" in rule
        }
        - ALWAYS_FIRING
    )


def expect_silence(
    promtool: str, tmp_path: Path, series: list[dict]
) -> subprocess.CompletedProcess:
    test = {
        "rule_files": [str(path) for path in RULE_FILES],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": time, "alertname": name, "exp_alerts": []}
                    for time in EVAL_TIMES
                    for name in alert_names()
                ],
            }
        ],
    }
    path = tmp_path / "quiet.test.yaml"
    path.write_text(yaml.safe_dump(test, sort_keys=False))
    return subprocess.run(
        [promtool, "test", "rules", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def fired(result: subprocess.CompletedProcess) -> set[str]:
    return {
        line.split("alertname:")[1].split(",")[0].strip()
        for line in (result.stdout + result.stderr).splitlines()
        if "alertname:" in line
    }


def test_the_harness_names_the_shipped_alerts():
    assert {"WebappMetricsMissing", "WebappAvailabilityFastBurn"} <= set(alert_names())


def test_a_healthy_cluster_fires_nothing(tmp_path, tool):
    result = expect_silence(tool("promtool"), tmp_path, healthy_eks.series())
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("stopped", "alert"), [("webapp", "WebappMetricsMissing")])
def test_a_stopped_component_fires_its_alert(tmp_path, tool, stopped, alert):
    result = expect_silence(
        tool("promtool"), tmp_path, healthy_eks.series(stopped=frozenset({stopped}))
    )
    assert result.returncode != 0
    assert fired(result) == {alert}, result.stdout + result.stderr
