"""What the tree's Python tests and tools share: a free loopback port, the pinned tools in
.tools/, and moto's AWS emulator as a local server.

Standard library only, so a script run by Make imports it with tools/ on sys.path and nothing
installed. Failures raise ToolError with the command that fixes them; the root conftest.py turns
that into a test failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / ".tools"
# The pinned tools come first; PATH only supplies what .tools/ does not pin.
TOOL_PATH = os.pathsep.join([str(TOOLS / "bin"), str(TOOLS / "venv" / "bin")])
# Terraform's CLI config for the provider mirror, written by `terraform/scripts/terraform.sh config`.
TERRAFORM_RC = TOOLS / "terraform.rc"


class ToolError(RuntimeError):
    """A tool is missing or did not start; the message says what to do."""


def free_port() -> int:
    """A loopback port that was free a moment ago, for servers that cannot bind port 0."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_tool(name: str) -> str:
    """The pinned tool from .tools/ first, then PATH."""
    found = shutil.which(name, path=TOOL_PATH + os.pathsep + os.environ.get("PATH", ""))
    if not found:
        raise ToolError(f"{name} is not installed: run 'make tools'")
    return found


@contextlib.contextmanager
def moto_server(
    env: dict[str, str] | None = None, log_path: Path | None = None, timeout: float = 10
) -> Iterator[str]:
    """moto's server mode on a free loopback port, with `env` added to its environment and its
    output in `log_path` (discarded without one); yields the endpoint URL and stops the server
    on exit, killing it if it does not stop."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with open(log_path, "w") if log_path else contextlib.nullcontext(subprocess.DEVNULL) as log:
        server = subprocess.Popen(
            [find_tool("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2):
                    break
            except OSError as err:
                if server.poll() is not None or time.monotonic() > deadline:
                    seen = f"; see {log_path}" if log_path else ""
                    raise ToolError(f"moto_server did not start ({err}){seen}") from err
                time.sleep(0.1)
        yield endpoint
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
