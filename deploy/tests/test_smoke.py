"""smoke.py against the real service binary: passes on the deployed SHA, fails on a wrong SHA,
on nothing listening and on a server that never answers, each within its time limit.

The binary comes from `make delivery-test` (WEBAPP_BIN, built with GIT_SHA=WEBAPP_SHA).
"""

import os
import pathlib
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SMOKE = ROOT / "deploy" / "smoke.py"
WRONG_SHA = "f" * 40
# Seconds smoke.py may overrun its limit: one last request and process start-up.
SLACK = 3.0


def smoke(url, sha, timeout, interval=0.5):
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            str(SMOKE),
            "--url",
            url,
            "--expected-sha",
            sha,
            "--timeout",
            str(timeout),
            "--interval",
            str(interval),
        ],
        capture_output=True,
        text=True,
        timeout=timeout + 30,
        check=False,
    )
    return result, time.monotonic() - started


class Service:
    """The webapp binary on the given port, the admin listener on any free one."""

    def __init__(self, binary, port, admin_port):
        env = {
            **os.environ,
            "APP_PORT": str(port),
            "ADMIN_PORT": str(admin_port),
            "BIND_ADDRESS": "127.0.0.1",
            "LOG_FORMAT": "json",
            "RUST_LOG": "warn",
        }
        self.process = subprocess.Popen(
            [str(binary)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.url = f"http://127.0.0.1:{port}"

    def wait_until_serving(self, limit=20.0):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"webapp exited: {self.process.stderr.read().decode()}")
            try:
                with urllib.request.urlopen(self.url + "/version", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"webapp did not serve {self.url} within {limit}s")

    def stop(self):
        self.process.kill()
        self.process.wait(timeout=10)
        self.process.stderr.close()


@pytest.fixture(scope="module")
def sha() -> str:
    if not os.environ.get("WEBAPP_SHA"):
        pytest.fail(
            "WEBAPP_SHA is unset: run 'make delivery-test', which builds the service with a "
            "known GIT_SHA",
            pytrace=False,
        )
    return os.environ["WEBAPP_SHA"]


@pytest.fixture
def start_service(webapp_bin, free_port):
    """Starts the service on a port (a free one by default); every one is stopped afterwards."""
    started = []

    def start(port=None):
        service = Service(webapp_bin, port or free_port(), free_port())
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()


def test_passes_on_the_deployed_sha(start_service, sha):
    service = start_service()
    service.wait_until_serving()
    result, elapsed = smoke(service.url, sha, timeout=10)
    assert result.returncode == 0, result.stderr
    assert sha in result.stdout
    assert elapsed < 5


def test_retries_until_the_new_build_answers(start_service, free_port, sha):
    port = free_port()
    starter = threading.Timer(1.5, start_service, args=(port,))
    starter.start()
    try:
        result, elapsed = smoke(f"http://127.0.0.1:{port}", sha, timeout=20)
    finally:
        starter.cancel()
        starter.join()
    assert result.returncode == 0, result.stderr
    assert "no response" in result.stdout
    assert elapsed > 1.5


def test_fails_on_a_wrong_sha(start_service, sha):
    service = start_service()
    service.wait_until_serving()
    result, elapsed = smoke(service.url, WRONG_SHA, timeout=3)
    assert result.returncode == 1
    assert f"last: commit {sha}" in result.stderr
    assert 3 <= elapsed < 3 + SLACK


def test_fails_when_nothing_listens(free_port):
    result, elapsed = smoke(f"http://127.0.0.1:{free_port()}", WRONG_SHA, timeout=2)
    assert result.returncode == 1
    assert "no response" in result.stderr
    assert elapsed < 2 + SLACK


def test_fails_in_time_when_the_server_never_answers():
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)  # connections complete in the backlog and are never served
        url = f"http://127.0.0.1:{hung.getsockname()[1]}"
        result, elapsed = smoke(url, WRONG_SHA, timeout=3)
    assert result.returncode == 1
    assert "timed out" in result.stderr
    assert elapsed < 3 + SLACK


@pytest.mark.parametrize(
    ("url", "expected", "named"),
    [
        ("ftp://x", WRONG_SHA, "--url"),
        ("http://x", "main", "--expected-sha"),
        ("http://x", WRONG_SHA[:7], "--expected-sha"),
    ],
)
def test_bad_arguments_are_refused(url, expected, named):
    result, _ = smoke(url, expected, timeout=1)
    assert result.returncode == 2
    assert named in result.stderr
