"""Proof that the dashboards work: every query runs against a real Prometheus scraping the real service.

Starts the release binary (fault injection on) and Prometheus on loopback with free ports, a
temporary data directory, a 1 s scrape and evaluation interval, the chart's rule files and a
scrape job equal to the chart's ServiceMonitor. Drives a bounded mixed load (successes, 5xx,
slow requests, 404s), then evaluates through the HTTP API:

  * every dashboard query and template variable over the service's own metrics: must return data
    (a label_values() variable must yield its label);
  * every recording rule's expression, and its recorded series: must return data;
  * every rule, alerts included, must report health "ok" (no evaluation error);
  * every query over kube-state-metrics or cAdvisor series (external-metrics.yaml): must parse;
    test_external_queries.py runs those on synthetic series.

Fails on the first query with no data after a bounded wait. Stops both processes on every exit.
"""

import json
import signal
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboards import (
    VARIABLE_VALUES,
    Query,
    all_queries,
    external_metrics,
    is_external,
    recording_rules,
)  # noqa: E402
from localstack import (  # noqa: E402
    drive_load,
    prometheus_config,
    prometheus_query,
    start_prometheus,
    start_webapp,
    stop,
    wait_ready,
)

LOAD_SECONDS = 15
LOAD_ROUNDS = 40
# Rates need two samples after the load and the rules one evaluation after that: a few seconds
# at a 1 s interval. The bound only matters when something is broken.
DATA_TIMEOUT = 30


def has_data(result: dict, label: str | None) -> bool:
    series = result["data"]["result"]
    if result["data"]["resultType"] == "scalar":
        return True
    return bool(series) and (label is None or any(label in s["metric"] for s in series))


def evaluate(prom: str, queries: list[Query]) -> list[str]:
    """Polls until each query returns data; returns the problems left at the deadline."""
    pending = list(queries)
    problems: dict[str, str] = {}
    deadline = time.monotonic() + DATA_TIMEOUT
    while pending and time.monotonic() < deadline:
        still = []
        for query in pending:
            result = prometheus_query(prom, query.expr)
            if result.get("status") != "success":
                problems[query.where] = (
                    f"{query.where}: error {result.get('error')!r}\n    {query.expr}"
                )
            elif not has_data(result, query.label):
                problems[query.where] = f"{query.where}: no data\n    {query.expr}"
                still.append(query)
            else:
                problems.pop(query.where, None)
        pending = [q for q in still if q.where in problems]
        if pending:
            time.sleep(1)
    return list(problems.values())


def rule_health(prom: str) -> list[dict]:
    with urllib.request.urlopen(f"{prom}/api/v1/rules", timeout=10) as response:
        groups = json.load(response)["data"]["groups"]
    if not groups:
        raise SystemExit("Prometheus loaded no rule groups")
    return [rule for group in groups for rule in group["rules"]]


def test_every_dashboard_query_and_recording_rule_returns_data(tmp_path, free_port):
    external = external_metrics()
    queries = all_queries()
    own = [q for q in queries if not is_external(q, external)]
    cluster_only = [q for q in queries if is_external(q, external)]
    rules = recording_rules()
    rule_queries = [Query(f"rule {name} (expr)", expr) for name, expr in rules]
    rule_queries += [
        Query(f"rule {name} (recorded series)", name) for name in sorted({n for n, _ in rules})
    ]

    procs = []
    # make's SIGTERM (and Ctrl-C) must still run the finally block below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = tmp_path
    try:
        app_port, admin_port, prom_port = free_port(), free_port(), free_port()
        procs.append(start_webapp(app_port, admin_port, work / "webapp.log"))
        wait_ready(f"http://127.0.0.1:{admin_port}/readyz", procs[0], work / "webapp.log", 20)
        config = work / "prometheus.yml"
        config.write_text(
            prometheus_config(admin_port, VARIABLE_VALUES["namespace"], "webapp-proof", "1s")
        )
        procs.append(start_prometheus(config, work / "data", prom_port, work / "prometheus.log"))
        prom = f"http://127.0.0.1:{prom_port}"
        wait_ready(f"{prom}/-/ready", procs[1], work / "prometheus.log", 30)

        statuses = drive_load(f"http://127.0.0.1:{app_port}", LOAD_SECONDS, LOAD_ROUNDS)
        for needed in (200, 404, 500, 503):
            assert statuses[needed], f"the load produced no {needed} response: {statuses}"

        problems = evaluate(prom, own + rule_queries)
        # Alerts return nothing while quiet, so their health is the check: a runtime error
        # (many-to-many matching, say) shows up only there.
        problems += [
            f"rule {rule['name']}: health {rule.get('health')!r}, {rule.get('lastError')!r}"
            for rule in rule_health(prom)
            if rule.get("health") != "ok"
        ]
        for query in cluster_only:
            result = prometheus_query(prom, query.expr)
            if result.get("status") != "success":
                problems.append(f"{query.where}: error {result.get('error')!r}\n    {query.expr}")
        log_tail = (work / "prometheus.log").read_text()[-1500:]
        assert problems == [], "\n".join(problems) + f"\nprometheus log tail:\n{log_tail}"
    finally:
        for proc in reversed(procs):
            stop(proc)
