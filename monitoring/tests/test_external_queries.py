"""Runs every dashboard query over kube-state-metrics or cAdvisor series on synthetic series.

Those series cannot exist outside a cluster, so the live proof only checks their syntax. Here
each such query (variables substituted as Grafana would) must return at least one series from
external-series.yaml, through `promtool test rules`. The promtool test file is generated from
the dashboards on every run, so it cannot drift from them. Also fails when external-metrics.yaml
names a metric no query uses.
"""

import subprocess
import tempfile
from pathlib import Path

import yaml
from dashboards import RULES_DIR, all_queries, external_metrics, is_external, metrics_in

SERIES_FILE = Path(__file__).with_name("external-series.yaml")
EVAL_TIME = "30m"


def test_cluster_only_queries_return_data_on_synthetic_series(tool):
    promtool = tool("promtool")
    external = external_metrics()
    queries = [q for q in all_queries() if is_external(q, external)]
    used = set().union(*(metrics_in(q.expr) for q in queries)) if queries else set()
    unused = sorted(external.keys() - used)
    assert unused == [], "external-metrics.yaml lists metrics no dashboard query uses"
    assert queries, "no dashboard query reads a cluster-only metric"
    # count(...) > bool 0 is 1 exactly when the query returns data: the test fails on no data.
    tests = [
        {
            "expr": f"count({q.expr}) > bool 0",
            "eval_time": EVAL_TIME,
            "exp_samples": [{"labels": "{}", "value": 1}],
        }
        for q in queries
    ]
    suite = {
        "rule_files": [str(p) for p in sorted(RULES_DIR.glob("*.yaml"))],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": yaml.safe_load(SERIES_FILE.read_text()),
                "promql_expr_test": tests,
            }
        ],
    }
    with tempfile.TemporaryDirectory() as tmp:
        suite_path = Path(tmp) / "external-queries.test.yaml"
        suite_path.write_text(yaml.safe_dump(suite, sort_keys=False))
        result = subprocess.run(
            [promtool, "test", "rules", str(suite_path)],
            capture_output=True,
            text=True,
            check=False,
        )
    listing = "\n".join(f"  {q.where}: {q.expr}" for q in queries)
    assert result.returncode == 0, (
        f"a cluster-only dashboard query returned no data on the synthetic series:\n"
        f"{result.stdout}{result.stderr}\nqueries:\n{listing}"
    )
