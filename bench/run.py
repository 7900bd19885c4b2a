#!/usr/bin/env python3
"""Benchmark the service against a bare axum ceiling and Flask + gunicorn; print a markdown table.

All three run on this machine at once (idle while not under load) and are loaded in turn by the
same wrk command. The three take turns for ROUNDS rounds; each figure is the median of its rounds
and each ratio the median of the per-round ratios. Other work on a shared machine comes and goes
within seconds: runs seconds apart see about the same, and the median ignores the rounds it hit
hardest. Started by `make bench`;
stdlib only, so any Python 3.9+ can run it.
"""

import argparse
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from devtools import free_port  # noqa: E402

ROUNDS = 5
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
TARGETS = {
    "rps_vs_ceiling": 0.90,
    "p99_vs_ceiling": 1.25,
    "rps_vs_flask": 20.0,
    "rss_mib": 16.0,
    "ready_ms": 50.0,
    "binary_mb": 10.0,
}


def wait_http(port, path, deadline_s=15.0):
    """Polls until the server answers 200 on path, or fails the benchmark."""
    started = time.monotonic()
    while time.monotonic() - started < deadline_s:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(
                    f"GET {path} HTTP/1.1\r\nhost: bench\r\nconnection: close\r\n\r\n".encode()
                )
                if s.recv(12).endswith(b" 200"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    sys.exit(f"bench: nothing answered 200 on 127.0.0.1:{port}{path} within {deadline_s}s")


def vm_hwm_bytes(pid):
    """Peak resident set size of one process (VmHWM in /proc/<pid>/status)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM for pid {pid}")


def process_tree(pid):
    """pid and all its descendants (gunicorn's master and workers)."""
    pids = [pid]
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            for child in f.read().split():
                pids.extend(process_tree(int(child)))
    return pids


def parse_latency(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * UNITS[unit]


def run_wrk(args, port):
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--latency",
        "--timeout",
        "5s",
        f"http://127.0.0.1:{port}/",
    ]
    # Warm-up: connection set-up, allocator and page cache, lazy initialisation.
    subprocess.run(command[:3] + ["-d2s"] + command[4:], check=True, capture_output=True)
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout

    def field(pattern):
        return re.search(pattern, output, re.MULTILINE)

    errors = field(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
    non_2xx = field(r"Non-2xx or 3xx responses: (\d+)")
    return {
        "rps": float(field(r"^Requests/sec:\s+([\d.]+)").group(1)),
        "p50_ms": parse_latency(field(r"^\s+50%\s+(\S+)").group(1)),
        "p99_ms": parse_latency(field(r"^\s+99%\s+(\S+)").group(1)),
        "errors": (sum(int(n) for n in errors.groups()) if errors else 0)
        + (int(non_2xx.group(1)) if non_2xx else 0),
    }


def median_round(runs):
    """Each figure's median over the rounds; errors are summed, since any error matters."""

    def figure(key):
        return statistics.median(run[key] for run in runs)

    return {
        "rps": figure("rps"),
        "p50_ms": figure("p50_ms"),
        "p99_ms": figure("p99_ms"),
        "errors": sum(run["errors"] for run in runs),
    }


def start(command, log_path, env=None):
    log = open(log_path, "wb")
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def verdict(ok):
    return "pass" if ok else "**FAIL**"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--webapp", required=True)
    parser.add_argument("--ceiling", required=True)
    parser.add_argument("--ready-time", required=True)
    parser.add_argument("--flask-dir", required=True)
    parser.add_argument("--gunicorn", required=True)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument(
        "--hostile-report",
        required=True,
        help="JSON written by app/tests/hostile.rs (HOSTILE_REPORT) against the release binary",
    )
    parser.add_argument("--connections", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=5)
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    cores = os.cpu_count() or 1

    ports = {name: free_port() for name in ("webapp", "admin", "ceiling", "flask")}
    webapp_env = {
        "APP_PORT": str(ports["webapp"]),
        "ADMIN_PORT": str(ports["admin"]),
        "BIND_ADDRESS": "127.0.0.1",
        "DRAIN_DELAY_SECONDS": "0",
        "PATH": os.environ["PATH"],
    }
    servers = {}
    try:
        # Request logs go to a file, as they would go to the container runtime's pipe.
        servers["webapp"] = start([args.webapp], f"{args.out_dir}/webapp.log", webapp_env)
        servers["ceiling"] = start(
            [args.ceiling, str(ports["ceiling"])], f"{args.out_dir}/ceiling.log"
        )
        servers["flask"] = start(
            [
                args.gunicorn,
                "--workers",
                str(2 * cores + 1),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{ports['flask']}",
                "--chdir",
                args.flask_dir,
                "--log-level",
                "warning",
                "app:app",
            ],
            f"{args.out_dir}/flask.log",
        )
        wait_http(ports["admin"], "/readyz")
        wait_http(ports["ceiling"], "/")
        wait_http(ports["flask"], "/")

        results = {"webapp": [], "ceiling": [], "flask": []}
        for round_number in range(1, ROUNDS + 1):
            for name in ("ceiling", "webapp", "flask"):
                result = run_wrk(args, ports[name])
                results[name].append(result)
                print(
                    f"bench: round {round_number}/{ROUNDS}: {name}: "
                    f"{result['rps']:,.0f} requests/s, p99 {result['p99_ms']:.2f} ms",
                    file=sys.stderr,
                )
        typical = {name: median_round(runs) for name, runs in results.items()}
        for name, process in servers.items():
            typical[name]["rss_mib"] = (
                sum(vm_hwm_bytes(p) for p in process_tree(process.pid)) / 2**20
            )
    finally:
        for process in servers.values():
            stop(process)

    print("bench: exec to ready", file=sys.stderr)
    ready = subprocess.run(
        [args.ready_time, args.webapp, "11"], check=True, capture_output=True, text=True
    ).stdout
    ready_ms = float(re.search(r"median_ms=([\d.]+)", ready).group(1))
    binary_mb = os.path.getsize(args.webapp) / 1e6
    with open(args.hostile_report) as report:
        hostile = json.load(report)

    settled_ok = hostile["settled_mib"] <= hostile["idle_mib"] + hostile["return_slack_mib"]
    w = typical["webapp"]

    # Ratios compare the runs of one round, seconds apart, so load that comes and goes on the
    # machine between rounds cancels out; the verdict is on their median.
    def per_round(key, other):
        pairs = zip(results["webapp"], results[other], strict=True)
        return sorted(webapp[key] / baseline[key] for webapp, baseline in pairs)

    rounds_rps_vs_ceiling = per_round("rps", "ceiling")
    rounds_p99_vs_ceiling = per_round("p99_ms", "ceiling")
    rounds_rps_vs_flask = per_round("rps", "flask")
    rps_vs_ceiling = statistics.median(rounds_rps_vs_ceiling)
    p99_vs_ceiling = statistics.median(rounds_p99_vs_ceiling)
    rps_vs_flask = statistics.median(rounds_rps_vs_flask)

    def spread(ratios, digits):
        return f"{ratios[0]:.{digits}f}-{ratios[-1]:.{digits}f}"

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Measured {when} on {cores} cores ({cpu}), {platform.system()} {platform.release()}; "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s on `GET /`, "
        f"sharing the cores; {ROUNDS} rounds, the servers taking turns; each figure is the "
        f"median over the rounds, and "
        f"each ratio the median of the rounds' ratios (range in brackets). Flask runs under "
        f"gunicorn with {2 * cores + 1} sync workers (RSS summed over its processes).",
        "",
        "| server | requests/s | p50 | p99 | peak RSS | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, label in (
        ("webapp", "webapp (all middleware)"),
        ("ceiling", "bare axum ceiling"),
        ("flask", "Flask 3 + gunicorn"),
    ):
        r = typical[name]
        lines.append(
            f"| {label} | {r['rps']:,.0f} | {r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms "
            f"| {r['rss_mib']:.1f} MiB | {r['errors']} |"
        )
    lines += [
        "",
        "| target | measured | goal | result |",
        "| --- | ---: | ---: | --- |",
        f"| requests/s vs ceiling | {rps_vs_ceiling:.3f}x ({spread(rounds_rps_vs_ceiling, 2)}) "
        f"| >= {TARGETS['rps_vs_ceiling']:.2f}x "
        f"| {verdict(rps_vs_ceiling >= TARGETS['rps_vs_ceiling'])} |",
        f"| p99 vs ceiling | {p99_vs_ceiling:.3f}x ({spread(rounds_p99_vs_ceiling, 2)}) "
        f"| <= {TARGETS['p99_vs_ceiling']:.2f}x "
        f"| {verdict(p99_vs_ceiling <= TARGETS['p99_vs_ceiling'])} |",
        f"| requests/s vs Flask | {rps_vs_flask:.1f}x ({spread(rounds_rps_vs_flask, 0)}) "
        f"| >= {TARGETS['rps_vs_flask']:.0f}x "
        f"| {verdict(rps_vs_flask >= TARGETS['rps_vs_flask'])} |",
        f"| webapp peak RSS, {args.connections} connections | {w['rss_mib']:.1f} MiB "
        f"| <= {TARGETS['rss_mib']:.0f} MiB | {verdict(w['rss_mib'] <= TARGETS['rss_mib'])} |",
        f"| exec to 200 on /readyz (median of 11) | {ready_ms:.1f} ms "
        f"| <= {TARGETS['ready_ms']:.0f} ms "
        f"| {verdict(ready_ms <= TARGETS['ready_ms'])} |",
        f"| stripped binary size | {binary_mb:.1f} MB | <= {TARGETS['binary_mb']:.0f} MB "
        f"| {verdict(binary_mb <= TARGETS['binary_mb'])} |",
        # The hostile mix's goals are the test's own (app/tests/hostile.rs), carried in its report.
        f"| peak RSS under the hostile mix ({hostile['clients']:,} connections; "
        f"{hostile['peak_mib']:.1f} MiB) / {hostile['memory_limit_mib']} MiB chart limit "
        f"| {hostile['peak_share_of_limit']:.3f} | <= {hostile['peak_share_goal']:.2f} "
        f"| {verdict(hostile['peak_share_of_limit'] <= hostile['peak_share_goal'])} |",
        f"| RSS after the hostile mix (idle {hostile['idle_mib']:.1f} MiB) "
        f"| {hostile['settled_mib']:.1f} MiB after {hostile['returned_in_seconds']:.1f} s "
        f"| <= idle + {hostile['return_slack_mib']} MiB within "
        f"{hostile['return_within_seconds']:.0f} s "
        f"| {verdict(settled_ok)} |",
    ]
    table = "\n".join(lines)
    with open(f"{args.out_dir}/results.md", "w") as out:
        out.write(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
