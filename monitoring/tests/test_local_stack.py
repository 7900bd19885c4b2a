"""`make up` / `make load` / `make down` behave as documented (monitoring/stack.py).

In a temporary LOCAL_STACK_DIR with free ports: `up` starts both processes and prints the URLs; a
second `up` starts nothing new; `load` drives traffic that Prometheus scrapes; `down` stops
exactly the two pids and a second `down` has nothing to stop. Whatever fails, the processes the
test started are stopped.
"""

import json
import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

MONITORING = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(MONITORING))

from localstack import prometheus_query  # noqa: E402


def pids(run_dir: Path) -> dict[str, int]:
    return {p.stem: int(p.read_text()) for p in run_dir.glob("*.pid")}


def alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


def test_up_load_and_down_behave_as_documented(tmp_path, free_port, stack):
    # `timeout` stops a hung run with SIGTERM; as SystemExit it still runs the cleanup below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    run_dir = tmp_path
    ports = {"APP_PORT": free_port(), "ADMIN_PORT": free_port(), "PROMETHEUS_PORT": free_port()}
    env = {
        **os.environ,
        "LOCAL_STACK_DIR": str(run_dir),
        **{k: str(v) for k, v in ports.items()},
    }
    started: dict[str, int] = {}
    try:
        out = stack("up", env)
        started = pids(run_dir)
        assert set(started) == {"webapp", "prometheus"}, started
        assert all(alive(pid) for pid in started.values()), started
        assert f"http://127.0.0.1:{ports['PROMETHEUS_PORT']}/" in out, out

        out = stack("up", env)
        assert "already running" in out, out
        assert pids(run_dir) == started, "a second up must not start new processes"

        out = stack("load", {**env, "DURATION": "3"})
        assert "statuses" in out, out
        assert "500" in out, out
        prom = f"http://127.0.0.1:{ports['PROMETHEUS_PORT']}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            result = prometheus_query(
                prom, 'sum(http_requests_total{job="webapp", namespace="local"})'
            )
            if result["data"]["result"]:
                break
            time.sleep(1)
        else:
            raise AssertionError("Prometheus never scraped the load from the local service")
        with urllib.request.urlopen(f"{prom}/api/v1/rules", timeout=10) as response:
            groups = json.load(response)["data"]["groups"]
        assert groups, "the local Prometheus loaded no rule groups"

        out = stack("down", env)
        assert all(f"pid {pid}" in out for pid in started.values()), out
        assert not any(alive(pid) for pid in started.values()), "down left a process running"
        assert not list(run_dir.glob("*.pid")), "down left pid files"
        assert "nothing to stop" in stack("down", env)
    finally:
        for pid in started.values():
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
