"""The long-window SLO rules read recorded series only, never a month of raw samples."""

import re
from pathlib import Path

import pytest
import yaml

RULES = Path(__file__).resolve().parents[2] / "charts/webapp/files/rules"
# metric{matchers}[window]: the selector each range vector reads.
RANGE_SELECTOR = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*(?:\{[^}]*\})?\s*\[(\d+)([smhdwy])\]")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
# Longer than the longest alerting window (3d): only the budget's 30-day ratio reads that far.
LONG = 7 * 86400


def all_rules() -> list[tuple[str, dict]]:
    return [
        (path.name, rule)
        for path in sorted(RULES.glob("*.yaml"))
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
    ]


def rules():
    return [
        pytest.param(rule, id=f"{name}:{rule.get('record') or rule['alert']}")
        for name, rule in all_rules()
    ]


def long_selectors(expr: str) -> list[str]:
    return [
        metric
        for metric, count, unit in RANGE_SELECTOR.findall(expr)
        if int(count) * SECONDS[unit] > LONG
    ]


def test_the_selector_pattern_sees_a_raw_30_day_rate():
    old = 'sum by (job) (rate(http_requests_total{job="webapp", status=~"5.."}[30d]))'
    assert long_selectors(old) == ["http_requests_total"]


@pytest.mark.parametrize("rule", rules())
def test_long_windows_sum_recorded_5m_rates(rule):
    for metric in long_selectors(rule["expr"]):
        why = f"{metric} over more than {LONG // 86400} days: sum a recorded 5m rate instead"
        assert metric.startswith("slo:"), why
        assert metric.endswith(":rate5m"), why
        assert f"rate({metric}" not in rule["expr"].replace(" ", "")


def test_the_30_day_ratio_exists_for_every_slo():
    ratios = [r for _, r in all_rules() if r.get("record") == "slo:sli_error:ratio_rate30d"]
    assert sorted(rule["labels"]["slo"] for rule in ratios) == ["availability", "latency"]
    for rule in ratios:
        assert "sum_over_time(slo:sli_error:rate5m" in rule["expr"]
        assert "sum_over_time(slo:sli_total:rate5m" in rule["expr"]
