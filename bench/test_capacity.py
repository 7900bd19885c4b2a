"""capacity.py's pieces that decide the figures: the chart's CPU values and the CPU quota itself.

The quota test runs a busy loop in the cgroup, as root, and checks that the kernel held it to the
quota: a quota that is silently not applied would make every capacity figure a full-machine one.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from capacity import CpuQuota, chart_cpu, cpu_cores  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("quantity", "cores"), [("250m", 0.25), ("1", 1.0), ("0.5", 0.5)])
def test_cpu_quantities(quantity, cores):
    assert cpu_cores(quantity) == cores


def test_cpu_quantity_that_is_not_one():
    with pytest.raises(SystemExit, match="cannot read CPU quantity"):
        cpu_cores("a quarter")


def test_chart_values_are_read_from_the_chart():
    import yaml

    values = yaml.safe_load((ROOT / "charts/webapp/values.yaml").read_text())
    cpu = chart_cpu(ROOT / "charts/webapp/values.yaml")
    assert cpu == {
        "request": cpu_cores(values["resources"]["requests"]["cpu"]),
        "limit": cpu_cores(values["resources"]["limits"]["cpu"]),
        "target": values["autoscaling"]["targetCPUUtilizationPercentage"] / 100,
    }


def test_the_quota_holds_a_busy_process_to_its_share():
    if os.geteuid() != 0:
        pytest.fail("the CPU quota test needs root (cgroup writes), as make bench does")
    quota = CpuQuota(0.2)
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        quota.add(busy.pid)
        start = time.monotonic()
        time.sleep(2)
        wall = time.monotonic() - start
        with open(f"/proc/{busy.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        cpu_seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    finally:
        busy.kill()
        busy.wait()
        time.sleep(0.2)
        quota.remove()
    # 0.2 cores for about 2 s: about 0.4 s of CPU; unthrottled it would be about 2 s.
    assert cpu_seconds / wall < 0.3
