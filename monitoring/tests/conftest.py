"""Shared by the monitoring tests: monitoring/stack.py (`make up`, `make load`, `make down`)."""

import subprocess
import sys
from pathlib import Path

import pytest

MONITORING = Path(__file__).resolve().parents[1]


def run_stack(command: str, env: dict[str, str]) -> str:
    """`stack.py COMMAND` with env; its output, or an AssertionError with all it printed."""
    result = subprocess.run(
        [sys.executable, "stack.py", command],
        cwd=MONITORING,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"stack.py {command} exited {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result.stdout


@pytest.fixture(name="stack", scope="session")
def stack_fixture():
    return run_stack
