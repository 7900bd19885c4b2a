"""The dashboards' queries, as every monitoring test sees them.

Shared by the structure check, the synthetic-series test of the cluster-only queries and the
live proof, so all three agree on which queries exist and how Grafana variables expand.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD_DIR = ROOT / "charts/webapp/files/dashboards"
RULES_DIR = ROOT / "charts/webapp/files/rules"
EXTERNAL_METRICS_FILE = Path(__file__).with_name("external-metrics.yaml")

# What Grafana would substitute. $pod's "All" is the variable's allValue (.+); the tests' data
# lives in namespace "prod" (proof: the scrape config's namespace label) and HPA "webapp".
VARIABLE_VALUES = {
    "namespace": "prod",
    "pod": ".+",
    "hpa": "webapp",
    # Scrape interval 1s in the proof: Grafana would pick max(4 x scrape, step + scrape).
    "__rate_interval": "1m",
    "__interval": "15s",
    "__range": "1h",
}

# $name or ${name}; $1 and ${1} are label_replace capture groups, not Grafana variables.
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))")
_IDENTIFIER = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_LABEL_VALUES = re.compile(r"^\s*label_values\((?P<expr>.+),\s*(?P<label>\w+)\s*\)\s*$", re.S)


@dataclass(frozen=True)
class Query:
    """One PromQL expression taken from a dashboard, with its variables substituted."""

    where: str  # "<dashboard uid> / <panel title> / <refId>", for error messages
    expr: str
    label: str | None = None  # for a label_values() variable: the label it must yield


def load_dashboards() -> dict[Path, dict]:
    paths = sorted(DASHBOARD_DIR.glob("*.json"))
    if not paths:
        raise SystemExit(f"no dashboards in {DASHBOARD_DIR}")
    return {path: json.loads(path.read_text()) for path in paths}


def substitute(expr: str, where: str) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        if name not in VARIABLE_VALUES:
            raise SystemExit(f"{where}: unknown variable ${name} in {expr!r}")
        return VARIABLE_VALUES[name]

    return _VARIABLE.sub(value, expr)


def panels(dashboard: dict) -> list[dict]:
    """Every panel, including those nested in collapsed rows."""
    found = []
    for panel in dashboard.get("panels", []):
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def dashboard_queries(dashboard: dict) -> list[Query]:
    uid = dashboard.get("uid", "?")
    queries = []
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            where = f"{uid} / {panel.get('title')} / {target.get('refId')}"
            queries.append(Query(where, substitute(target["expr"], where)))
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") != "query":
            continue
        where = f"{uid} / variable ${variable['name']}"
        query = variable["query"]
        text = query["query"] if isinstance(query, dict) else query
        match = _LABEL_VALUES.match(text)
        if not match:
            raise SystemExit(
                f"{where}: only label_values(<selector>, <label>) is supported: {text!r}"
            )
        queries.append(Query(where, substitute(match["expr"], where), match["label"]))
    return queries


def all_queries() -> list[Query]:
    return [q for dashboard in load_dashboards().values() for q in dashboard_queries(dashboard)]


def external_metrics() -> dict[str, str]:
    """Metric name -> exporter, for the series only a cluster has (kube-state-metrics, cAdvisor)."""
    by_source = yaml.safe_load(EXTERNAL_METRICS_FILE.read_text())
    return {metric: source for source, metrics in by_source.items() for metric in metrics}


def metrics_in(expr: str) -> set[str]:
    return set(_IDENTIFIER.findall(expr))


def is_external(query: Query, external: dict[str, str]) -> bool:
    return bool(metrics_in(query.expr) & external.keys())


def recording_rules() -> list[tuple[str, str]]:
    """(record name, expr) of every recording rule in the chart's rule files."""
    rules = []
    for path in sorted(RULES_DIR.glob("*.yaml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            rules.extend((r["record"], r["expr"]) for r in group["rules"] if "record" in r)
    return rules
