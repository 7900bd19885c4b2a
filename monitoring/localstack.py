"""The service and a Prometheus on loopback, scraped the way the cluster scrapes them.

Used by the dashboard proof (monitoring/tests/test_dashboard_proof.py) and by `make up` / `make load`
(monitoring/stack.py), so both see the labels the chart's ServiceMonitor produces on EKS:
job="webapp" (the ServiceMonitor's jobLabel), namespace, pod, service, container, endpoint and
instance, with metrics from the admin port. Both load the chart's rule files unchanged.
"""

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULES_DIR = ROOT / "charts/webapp/files/rules"
WEBAPP_BIN = ROOT / "target/release/webapp"

# One round of the mixed load: successes, 5xx, requests slower than the 250 ms latency SLO,
# CPU work and unmatched paths (404, route="unmatched").
LOAD_ROUND = (
    [("GET", "/")] * 8
    + [("GET", "/version"), ("POST", "/echo"), ("GET", "/cpu/20"), ("GET", "/no/such/page")]
    + [("GET", "/status/500"), ("GET", "/status/503"), ("GET", "/delay/300")]
)


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def prometheus_config(admin_port: int, namespace: str, pod: str, interval: str) -> str:
    """Prometheus config: the chart's rule files and one scrape job equal to the ServiceMonitor."""
    config = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [str(p) for p in sorted(RULES_DIR.glob("*.yaml"))],
        "scrape_configs": [
            {
                "job_name": "webapp",
                "metrics_path": "/metrics",
                "static_configs": [
                    {
                        "targets": [f"127.0.0.1:{admin_port}"],
                        "labels": {
                            "namespace": namespace,
                            "pod": pod,
                            "service": "webapp",
                            "container": "webapp",
                            "endpoint": "admin",
                        },
                    }
                ],
            }
        ],
    }
    # JSON is YAML, and needs no third-party module here.
    return json.dumps(config, indent=2) + "\n"


def start(cmd: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            cmd,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def start_webapp(app_port: int, admin_port: int, log_path: Path) -> subprocess.Popen:
    if not WEBAPP_BIN.is_file():
        raise SystemExit(f"{WEBAPP_BIN} is missing: run 'make app-build'")
    env = {
        "APP_PORT": str(app_port),
        "ADMIN_PORT": str(admin_port),
        "BIND_ADDRESS": "127.0.0.1",
        "FAULT_INJECTION": "true",
        "LOG_FORMAT": "json",
        # Nothing routes to it through a load balancer: no need to wait before draining.
        "DRAIN_DELAY_SECONDS": "0",
    }
    return start([str(WEBAPP_BIN)], env, log_path)


def start_prometheus(
    config_path: Path, data_dir: Path, port: int, log_path: Path
) -> subprocess.Popen:
    cmd = [
        "prometheus",
        f"--config.file={config_path}",
        f"--storage.tsdb.path={data_dir}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--storage.tsdb.retention.time=1d",
    ]
    try:
        return start(cmd, {}, log_path)
    except FileNotFoundError:
        raise SystemExit("prometheus is not installed: run 'make tools'") from None


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def wait_ready(url: str, proc: subprocess.Popen, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(
                f"{url}: the process exited with {proc.returncode}; log: {log_path}\n"
                + log_path.read_text(errors="replace")[-2000:]
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} not ready after {timeout:.0f}s; log: {log_path}")


def request(base_url: str, method: str, path: str) -> int:
    data = b'{"hello": "world"}' if method == "POST" else None
    req = urllib.request.Request(
        base_url + path, data=data, method=method, headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=15) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def drive_load(base_url: str, seconds: float, max_rounds: int, workers: int = 4) -> Counter:
    """Mixed load until `seconds` pass or `max_rounds` rounds are done; returns status counts."""
    statuses: Counter = Counter()
    deadline = time.monotonic() + seconds
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in range(max_rounds):
            if time.monotonic() >= deadline:
                break
            statuses.update(pool.map(lambda call: request(base_url, *call), LOAD_ROUND))
    return statuses


def prometheus_query(base_url: str, expr: str) -> dict:
    """Instant query; returns the API's JSON (status "error" for bad syntax, with the message)."""
    url = f"{base_url}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        return json.load(error)
