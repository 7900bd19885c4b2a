"""Fixtures shared by every pytest suite in the tree: free ports, the pinned tools and the
service's release binary. Missing tools fail the test with the command that installs them."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
# free_port is the local stack's (monitoring/localstack.py), one definition for tests and tools.
sys.path.insert(0, str(ROOT / "monitoring"))
from localstack import free_port  # noqa: E402

TOOL_PATH = os.pathsep.join([str(ROOT / ".tools/bin"), str(ROOT / ".tools/venv/bin")])


def find_tool(name: str) -> str:
    """The pinned tool from .tools/ first, then PATH; a failure names `make tools`."""
    found = shutil.which(name, path=TOOL_PATH + os.pathsep + os.environ.get("PATH", ""))
    if not found:
        pytest.fail(f"{name} is not installed: run 'make tools'", pytrace=False)
    return found


@pytest.fixture(name="free_port")
def free_port_fixture():
    return free_port


@contextlib.contextmanager
def moto_server():
    """An AWS API emulator (moto's server mode) on a free loopback port; yields its endpoint and
    stops it on exit."""
    port = free_port()
    process = subprocess.Popen(
        [find_tool("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("moto_server did not start", pytrace=False)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(name="tool")
def tool_fixture():
    return find_tool


@pytest.fixture(scope="session")
def helm() -> str:
    return find_tool("helm")


@pytest.fixture(scope="session")
def webapp_bin() -> Path:
    """The release binary (`make app-build`), or WEBAPP_BIN when a target builds another one."""
    path = Path(os.environ.get("WEBAPP_BIN", ROOT / "target/release/webapp"))
    if not path.is_file():
        pytest.fail(f"{path} is missing: run 'make app-build'", pytrace=False)
    return path


def tracked_files(*patterns: str) -> list[Path]:
    """The tree's files (tracked, or new and not ignored) matching git pathspecs, without the
    deliberately broken lint fixtures and the vendored upstream files."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "--", *patterns],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [
        ROOT / name
        for name in listed
        if not name.startswith(("tests/lint-fixtures/", "vendor/")) and (ROOT / name).is_file()
    ]


@pytest.fixture(name="tracked_files", scope="session")
def tracked_files_fixture():
    return tracked_files
