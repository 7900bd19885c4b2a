"""Fixtures shared by every pytest suite in the tree: free ports, the pinned tools and the
service's release binary. Missing tools fail the test with the command that installs them."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tools"))
import devtools  # noqa: E402


def find_tool(name: str) -> str:
    """The pinned tool (devtools.find_tool); a missing one fails the test, naming `make tools`."""
    try:
        return devtools.find_tool(name)
    except devtools.ToolError as err:
        pytest.fail(str(err), pytrace=False)


@contextlib.contextmanager
def moto_server(**options):
    """devtools.moto_server; a server that does not start fails the test."""
    with contextlib.ExitStack() as stack:
        try:
            endpoint = stack.enter_context(devtools.moto_server(**options))
        except devtools.ToolError as err:
            pytest.fail(str(err), pytrace=False)
        yield endpoint


@pytest.fixture(name="free_port", scope="session")
def free_port_fixture():
    return devtools.free_port


@pytest.fixture(name="moto_server", scope="session")
def moto_server_fixture():
    return moto_server


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
