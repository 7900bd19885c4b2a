"""The local stack: `make up`, `make load`, `make down`.

up    starts the release binary (fault injection on) and a Prometheus that loads the chart's rule
      files and scrapes the service as the ServiceMonitor does (namespace "local"), both in the
      background, with pid files and logs in .run/local/. A second `up` starts nothing new.
load  drives a mixed load (200, 404, 5xx, slow) against the running service for DURATION seconds.
down  stops exactly the processes whose pid files `up` wrote, and nothing else.

Ports: APP_PORT (8080), ADMIN_PORT (9090), PROMETHEUS_PORT (9091). LOCAL_STACK_DIR moves the pid
files, logs and data away from .run/local (the test of this file uses a temporary one).
"""

import json
import os
import signal
import sys
import time
from pathlib import Path

from localstack import (
    ROOT,
    WEBAPP_BIN,
    drive_load,
    port_in_use,
    prometheus_config,
    start_prometheus,
    start_webapp,
    stop,
    wait_ready,
)

RUN_DIR = Path(os.environ.get("LOCAL_STACK_DIR") or ROOT / ".run/local").resolve()
STATE = RUN_DIR / "ports.json"
# name -> what its /proc/<pid>/cmdline must contain, so a recycled pid is never signalled.
PROCESSES = {"webapp": str(WEBAPP_BIN), "prometheus": str(RUN_DIR / "prometheus.yml")}
MAX_LOAD_SECONDS = 3600


def env_port(name: str, default: int) -> int:
    raw = os.environ.get(name) or str(default)
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise SystemExit(f"{name}={raw!r} is not a port number (1-65535)")
    return int(raw)


def pid_file(name: str) -> Path:
    return RUN_DIR / f"{name}.pid"


def running_pid(name: str) -> int | None:
    """The pid in the pid file if that process is alive and is the one we started."""
    try:
        pid = int(pid_file(name).read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid if PROCESSES[name] in cmdline else None


def urls(ports: dict) -> str:
    return "\n".join(
        [
            f"  service      http://127.0.0.1:{ports['app']}/  (fault injection: /status/500, /delay/300, /cpu/50)",
            f"  metrics      http://127.0.0.1:{ports['admin']}/metrics",
            f"  prometheus   http://127.0.0.1:{ports['prometheus']}/  (alerts: /alerts, rules: /rules, targets: /targets)",
            f"  logs         {RUN_DIR}/*.log",
            "  dashboards   need Grafana: `docker compose up` (compose.yaml), or import"
            " charts/webapp/files/dashboards/*.json into a Grafana whose Prometheus data source is the URL above",
        ]
    )


def up() -> int:
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    alive = {name: running_pid(name) for name in PROCESSES}
    if all(alive.values()):
        where = (
            urls(json.loads(STATE.read_text()))
            if STATE.is_file()
            else f"  (ports unknown: {STATE} is gone)"
        )
        print("local stack already running (make down stops it):\n" + where)
        return 0
    if any(alive.values()):
        raise SystemExit(f"local stack half running {alive}: run 'make down', then 'make up'")
    ports = {
        "app": env_port("APP_PORT", 8080),
        "admin": env_port("ADMIN_PORT", 9090),
        "prometheus": env_port("PROMETHEUS_PORT", 9091),
    }
    if len(set(ports.values())) != len(ports):
        raise SystemExit(f"APP_PORT, ADMIN_PORT and PROMETHEUS_PORT must differ: {ports}")
    for name, port in ports.items():
        if port_in_use(port):
            raise SystemExit(
                f"port {port} ({name}) is in use: free it or choose another, "
                f"e.g. make up APP_PORT=18080 ADMIN_PORT=19090 PROMETHEUS_PORT=19091"
            )
    started = []
    try:
        webapp = start_webapp(ports["app"], ports["admin"], RUN_DIR / "webapp.log")
        started.append(webapp)
        pid_file("webapp").write_text(f"{webapp.pid}\n")
        wait_ready(f"http://127.0.0.1:{ports['admin']}/readyz", webapp, RUN_DIR / "webapp.log", 20)
        config = RUN_DIR / "prometheus.yml"
        config.write_text(prometheus_config(ports["admin"], "local", "webapp-local", "5s"))
        prometheus = start_prometheus(
            config, RUN_DIR / "prometheus-data", ports["prometheus"], RUN_DIR / "prometheus.log"
        )
        started.append(prometheus)
        pid_file("prometheus").write_text(f"{prometheus.pid}\n")
        wait_ready(
            f"http://127.0.0.1:{ports['prometheus']}/-/ready",
            prometheus,
            RUN_DIR / "prometheus.log",
            30,
        )
    except BaseException:
        for proc in reversed(started):
            stop(proc)
        for name in PROCESSES:
            pid_file(name).unlink(missing_ok=True)
        raise
    STATE.write_text(json.dumps(ports) + "\n")
    print("local stack up (make load drives traffic, make down stops it):\n" + urls(ports))
    return 0


def down() -> int:
    stopped = 0
    for name in PROCESSES:
        pid = running_pid(name)
        pid_file(name).unlink(missing_ok=True)
        if pid is None:
            continue
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue  # exited since running_pid() looked
        deadline = time.monotonic() + 15
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        if Path(f"/proc/{pid}").exists():
            os.kill(pid, signal.SIGKILL)
            print(f"{name} (pid {pid}) ignored SIGTERM for 15 s: killed")
        print(f"stopped {name} (pid {pid})")
        stopped += 1
    STATE.unlink(missing_ok=True)
    if not stopped:
        print("local stack not running: nothing to stop")
    return 0


def load() -> int:
    if not (running_pid("webapp") and STATE.is_file()):
        raise SystemExit("the local stack is not running: run 'make up' first")
    raw = os.environ.get("DURATION") or "60"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LOAD_SECONDS:
        raise SystemExit(
            f"DURATION={raw!r} must be a whole number of seconds from 1 to {MAX_LOAD_SECONDS}"
        )
    ports = json.loads(STATE.read_text())
    seconds = int(raw)
    print(f"mixed load for {seconds}s against http://127.0.0.1:{ports['app']} ...")
    # A round takes at least the 300 ms slow request; the round cap only bounds a broken clock.
    statuses = drive_load(f"http://127.0.0.1:{ports['app']}", seconds, max_rounds=seconds * 10)
    print(f"{sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}")
    print(f"graphs and alerts: http://127.0.0.1:{ports['prometheus']}/alerts")
    return 0


if __name__ == "__main__":
    commands = {"up": up, "down": down, "load": load}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        raise SystemExit(f"usage: {sys.argv[0]} {{{'|'.join(commands)}}}")
    sys.exit(commands[sys.argv[1]]())
