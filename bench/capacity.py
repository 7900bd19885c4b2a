#!/usr/bin/env python3
"""Requests/s and p99 of one webapp pod under the CPU its chart gives it; print a markdown table.

The service runs in a cgroup whose CPU quota is, in turn, the chart's CPU request, the request
times the HPA's target utilisation, and the CPU limit (all read from charts/webapp/values.yaml).
wrk saturates it for each. At the HPA's target the pod uses target% of its request: the quota
request x target% gives the throughput of one pod there, which is the figure the capacity
arithmetic in charts/webapp/README.md multiplies. wrk is closed-loop, so each p99 is the one of a
saturated pod: an upper bound for a pod the HPA keeps at its target.

The quota is a CFS quota, as the kubelet sets it: cgroup v2 cpu.max where /sys/fs/cgroup is the
unified hierarchy, else cgroup v1 cpu.cfs_quota_us. Needs root. Started by `make bench`.

Usage: capacity.py --webapp BIN --values charts/webapp/values.yaml --out-dir DIR
"""

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from run import free_port, run_wrk, start, stop, wait_http  # noqa: E402

PERIOD_US = 100_000


def cpu_cores(quantity: str) -> float:
    """A Kubernetes CPU quantity (250m, 1, 0.5) in cores."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(m?)", str(quantity))
    if not match:
        raise SystemExit(f"capacity: cannot read CPU quantity {quantity!r}")
    value = float(match.group(1))
    return value / 1000 if match.group(2) else value


def chart_cpu(values_path: Path) -> dict[str, float]:
    """CPU request, limit and HPA target utilisation from the chart's values (plain YAML read
    without a YAML library: the three keys sit at fixed places)."""
    text = values_path.read_text()
    resources = text[text.index("\nresources:") :]
    request = re.search(r"requests:\s*\n\s+cpu:\s*\"?([\d.]+m?)\"?", resources).group(1)
    limit = re.search(r"limits:\s*\n\s+cpu:\s*\"?([\d.]+m?)\"?", resources).group(1)
    target = re.search(r"targetCPUUtilizationPercentage:\s*(\d+)", text).group(1)
    return {"request": cpu_cores(request), "limit": cpu_cores(limit), "target": int(target) / 100}


class CpuQuota:
    """A cgroup with a CFS quota; processes are moved into it by pid."""

    def __init__(self, cores: float):
        quota = int(cores * PERIOD_US)
        v2 = Path("/sys/fs/cgroup/cgroup.controllers")
        if v2.exists() and "cpu" in v2.read_text().split():
            root = Path("/sys/fs/cgroup")
            (root / "cgroup.subtree_control").write_text("+cpu")
            self.path = Path(tempfile.mkdtemp(prefix="webapp-capacity-", dir=root))
            (self.path / "cpu.max").write_text(f"{quota} {PERIOD_US}")
        elif Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").exists():
            self.path = Path(tempfile.mkdtemp(prefix="webapp-capacity-", dir="/sys/fs/cgroup/cpu"))
            (self.path / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (self.path / "cpu.cfs_quota_us").write_text(str(quota))
        else:
            raise SystemExit(
                "capacity: no cgroup cpu controller (v2 cpu.max or v1 cpu.cfs_quota_us)"
            )

    def add(self, pid: int):
        (self.path / "cgroup.procs").write_text(str(pid))

    def remove(self):
        os.rmdir(self.path)


def measure(args, cores: float) -> dict:
    ports = {"app": free_port(), "admin": free_port()}
    env = {
        "APP_PORT": str(ports["app"]),
        "ADMIN_PORT": str(ports["admin"]),
        "BIND_ADDRESS": "127.0.0.1",
        "DRAIN_DELAY_SECONDS": "0",
        "PATH": os.environ["PATH"],
    }
    quota = CpuQuota(cores)
    server = start([args.webapp], f"{args.out_dir}/capacity-{cores:g}.log", env)
    try:
        quota.add(server.pid)
        wait_http(ports["admin"], "/readyz")
        runs = [run_wrk(args, ports["app"]) for _ in range(args.rounds)]
    finally:
        stop(server)
        time.sleep(0.2)
        quota.remove()
    runs.sort(key=lambda r: r["rps"])
    return runs[len(runs) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--webapp", required=True)
    parser.add_argument("--values", required=True, type=Path)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("capacity: a CPU quota needs root (cgroup writes): run make bench as root")
    os.makedirs(args.out_dir, exist_ok=True)
    cpu = chart_cpu(args.values)
    rows = [
        (f"request x HPA target ({cpu['target']:.0%})", cpu["request"] * cpu["target"]),
        ("CPU request", cpu["request"]),
        ("CPU limit", cpu["limit"]),
    ]
    lines = [
        f"One webapp pod under a CFS CPU quota; wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration}s on `GET /`, median of {args.rounds} runs (saturated, so p99 is an "
        "upper bound).",
        "",
        "| quota | cores | requests/s | p99 | errors |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, cores in rows:
        result = measure(args, cores)
        print(f"capacity: {label}: {result['rps']:,.0f} requests/s", file=sys.stderr)
        lines.append(
            f"| {label} | {cores:.3f} | {result['rps']:,.0f} | {result['p99_ms']:.2f} ms "
            f"| {result['errors']} |"
        )
    table = "\n".join(lines)
    Path(args.out_dir, "capacity.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
