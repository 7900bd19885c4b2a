"""Run every emulator test file in its own pytest process (each with its own moto server), a
few at a time, and report each file's result and time. Exit status 1 if any failed.

usage: run.py [--jobs N] [test_file.py ...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Longest first, so the slowest file never starts last.
ORDER = [
    "test_bootstrap_live.py",
    "test_network.py",
    "test_nlb.py",
    "test_karpenter.py",
    "test_ecr.py",
    "test_harness.py",
    "test_emulator.py",
]


def run_file(name: str, logs: Path) -> tuple[str, int, float, Path]:
    log = logs / f"{name}.log"
    started = time.monotonic()
    with log.open("w") as out:
        code = subprocess.call(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", name],
            cwd=HERE,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return name, code, time.monotonic() - started, log


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Most of a file's time is the AWS provider waiting (its waiters poll), so more files than cores.
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    found = sorted(p.name for p in HERE.glob("test_*.py"))
    unknown = set(args.files) - set(found)
    if unknown:
        parser.error(f"no such test file: {', '.join(sorted(unknown))} (have: {', '.join(found)})")
    files = args.files or sorted(found, key=lambda n: ORDER.index(n) if n in ORDER else -1)
    failed = []
    with tempfile.TemporaryDirectory() as logs, ThreadPoolExecutor(args.jobs) as pool:
        for name, code, seconds, log in pool.map(lambda n: run_file(n, Path(logs)), files):
            print(f"emulator: {name}: {'ok' if code == 0 else 'FAILED'} in {seconds:.0f}s")
            if code != 0:
                failed.append(name)
                print(log.read_text())
    if failed:
        print(f"emulator: failed: {' '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
