"""The runbooks' queries and commands work where the alerts fire.

* Every PromQL query in docs/runbooks/*.md returns data against the local Prometheus of
  `make up` (monitoring/stack.py, run in a temporary directory on free ports) after `make load`.
  The local stack labels its series namespace="local" where the cluster has "webapp", so the
  test swaps the namespace and nothing else.
* Queries over kube-state-metrics or cAdvisor series (external-metrics.yaml), which only a
  cluster has, return data on the synthetic series of external-series.yaml through promtool.
* Queries and kubectl commands use the namespace deploys go to; no page rolls back behind Helm.
* The chart turns each alert's repository path into <runbookBaseURL>/<alert>.md and refuses a
  base URL a pager could not open.
"""

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

TESTS = Path(__file__).resolve().parent
MONITORING = TESTS.parent
ROOT = MONITORING.parent
sys.path.insert(0, str(MONITORING))
sys.path.insert(0, str(TESTS))

from dashboards import RULES_DIR, external_metrics, metrics_in  # noqa: E402
from localstack import prometheus_query  # noqa: E402

RUNBOOKS = ROOT / "docs" / "runbooks"
DEPLOY_NAMESPACE = re.search(
    r"^namespace=\$\{NAMESPACE:-([a-z0-9-]+)\}$",
    (ROOT / "deploy" / "deploy.sh").read_text(),
    re.MULTILINE,
).group(1)
# Pages may also look at the platform's own namespaces (platform/platform.env), e.g. Karpenter's logs.
PLATFORM_NAMESPACES = {DEPLOY_NAMESPACE} | {
    value
    for key, value in re.findall(
        r"^(PLATFORM_[A-Z_]*NAMESPACE)=([a-z0-9-]+)$",
        (ROOT / "platform" / "platform.env").read_text(),
        re.MULTILINE,
    )
}
LOCAL_NAMESPACE = "local"
SYNTHETIC_NAMESPACE = "prod"
DATA_TIMEOUT = 60
PROMQL_BLOCK = re.compile(r"^```promql\n(.*?)^```", re.MULTILINE | re.DOTALL)


def runbook_queries():
    """(page, query) for every query: comment lines dropped, indented lines continue the last."""
    found = []
    for page in sorted(RUNBOOKS.glob("*.md")):
        for block in PROMQL_BLOCK.findall(page.read_text()):
            for line in block.splitlines():
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                if line[0].isspace() and found and found[-1][0] == page.name:
                    found[-1] = (page.name, f"{found[-1][1]} {line.strip()}")
                else:
                    found.append((page.name, line.strip()))
    return found


QUERIES = runbook_queries()
EXTERNAL = external_metrics()
OWN = [(page, q) for page, q in QUERIES if not metrics_in(q) & EXTERNAL.keys()]
CLUSTER_ONLY = [(page, q) for page, q in QUERIES if metrics_in(q) & EXTERNAL.keys()]


def test_every_page_with_a_query_block_is_covered():
    pages = {p.name for p in RUNBOOKS.glob("*.md") if "```promql" in p.read_text()}
    assert pages
    assert {page for page, _ in QUERIES} == pages
    assert OWN
    assert CLUSTER_ONLY


def test_queries_and_commands_use_the_deploy_namespace():
    for page in sorted(RUNBOOKS.glob("*.md")):
        text = page.read_text()
        # README.md explains the local stack's label; the alert pages hold the queries.
        for namespace in re.findall(
            r'namespace="([^"]*)"', "" if page.name == "README.md" else text
        ):
            assert namespace == DEPLOY_NAMESPACE, f"{page.name}: namespace={namespace!r}"
        for namespace in re.findall(r"(?:kubectl|helm) .*?-n ([a-z0-9-]+)", text):
            assert namespace in PLATFORM_NAMESPACES, f"{page.name}: -n {namespace}"


def test_rollbacks_go_through_helm():
    for page in sorted(RUNBOOKS.glob("*.md")):
        text = page.read_text()
        assert "rollout undo" not in text.replace("Never `kubectl rollout undo`", ""), page.name
        assert "previous image" not in text, page.name
    index = (RUNBOOKS / "README.md").read_text()
    for needed in ("make rollback", "helm rollback webapp", "redeploy_sha"):
        assert needed in index


@pytest.fixture(scope="module")
def local_prometheus(free_port, stack):
    """`make up` and `make load` in a temporary LOCAL_STACK_DIR; `make down` whatever happens."""
    # make's or timeout's SIGTERM must still reach the `down` below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="runbook-queries-") as tmp:
        ports = {"APP_PORT": free_port(), "ADMIN_PORT": free_port(), "PROMETHEUS_PORT": free_port()}
        env = {**os.environ, "LOCAL_STACK_DIR": tmp, **{k: str(v) for k, v in ports.items()}}
        try:
            stack("up", env)
            stack("load", {**env, "DURATION": "15"})
            yield f"http://127.0.0.1:{ports['PROMETHEUS_PORT']}"
        finally:
            stack("down", env)


def local(query):
    return query.replace(f'namespace="{DEPLOY_NAMESPACE}"', f'namespace="{LOCAL_NAMESPACE}"')


@pytest.mark.parametrize(("page", "query"), OWN, ids=[f"{p}:{q[:40]}" for p, q in OWN])
def test_query_returns_data_on_the_local_stack(local_prometheus, page, query):
    deadline = time.monotonic() + DATA_TIMEOUT
    while True:
        result = prometheus_query(local_prometheus, local(query))
        assert result.get("status") == "success", f"{page}: {result.get('error')}\n{query}"
        if result["data"]["result"]:
            return
        assert time.monotonic() < deadline, f"{page}: no data after {DATA_TIMEOUT}s\n{query}"
        time.sleep(2)


def test_cluster_only_queries_return_data_on_synthetic_series(tmp_path):
    tests = [
        {
            "expr": "count({}) > bool 0".format(
                query.replace(
                    f'namespace="{DEPLOY_NAMESPACE}"', f'namespace="{SYNTHETIC_NAMESPACE}"'
                )
            ),
            "eval_time": "30m",
            "exp_samples": [{"labels": "{}", "value": 1}],
        }
        for _, query in CLUSTER_ONLY
    ]
    suite = {
        "rule_files": [str(p) for p in sorted(RULES_DIR.glob("*.yaml"))],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": yaml.safe_load((TESTS / "external-series.yaml").read_text()),
                "promql_expr_test": tests,
            }
        ],
    }
    path = tmp_path / "runbook-queries.test.yaml"
    path.write_text(yaml.safe_dump(suite, sort_keys=False))
    result = subprocess.run(
        ["promtool", "test", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def helm_template(*args):
    return subprocess.run(
        ["helm", "template", "webapp", str(ROOT / "charts/webapp")]
        + ["-f", str(ROOT / "charts/webapp/ci/eks-deploy-values.yaml"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def alert_urls(rendered):
    (rule,) = [d for d in yaml.safe_load_all(rendered) if d and d.get("kind") == "PrometheusRule"]
    return {
        r["alert"]: r["annotations"]["runbook_url"]
        for group in rule["spec"]["groups"]
        for r in group["rules"]
        if "alert" in r
    }


def test_runbook_urls_follow_the_base_url_value():
    base = "https://github.com/acme/devops-eks/blob/main/docs/runbooks"
    result = helm_template("--set-string", f"monitoring.prometheusRule.runbookBaseURL={base}")
    assert result.returncode == 0, result.stderr
    urls = alert_urls(result.stdout)
    assert urls == {alert: f"{base}/{alert}.md" for alert in urls}
    for alert in urls:
        assert (RUNBOOKS / f"{alert}.md").is_file()


def test_without_a_base_url_the_repository_path_stays():
    result = helm_template()
    assert result.returncode == 0, result.stderr
    urls = alert_urls(result.stdout)
    assert urls == {alert: f"docs/runbooks/{alert}.md" for alert in urls}


@pytest.mark.parametrize("bad", ["docs/runbooks", "https://example.com/runbooks/", "ftp://x/y"])
def test_a_base_url_no_pager_can_open_is_refused(bad):
    result = helm_template("--set-string", f"monitoring.prometheusRule.runbookBaseURL={bad}")
    assert result.returncode != 0
    assert "runbookBaseURL" in result.stderr
