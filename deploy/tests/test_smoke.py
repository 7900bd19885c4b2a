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
import unittest
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
SMOKE = ROOT / "deploy" / "smoke.py"
WRONG_SHA = "f" * 40
# Seconds smoke.py may overrun its limit: one last request and process start-up.
SLACK = 3.0


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
    """The webapp binary on free ports; always stopped by the test's cleanup."""

    def __init__(self, test, port):
        env = {
            **os.environ,
            "APP_PORT": str(port),
            "ADMIN_PORT": str(free_port()),
            "BIND_ADDRESS": "127.0.0.1",
            "LOG_FORMAT": "json",
            "RUST_LOG": "warn",
        }
        self.process = subprocess.Popen(
            [os.environ["WEBAPP_BIN"]], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        test.addCleanup(self.stop)
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


class SmokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.environ.get("WEBAPP_BIN") or not os.environ.get("WEBAPP_SHA"):
            raise AssertionError(
                "WEBAPP_BIN and WEBAPP_SHA are unset: run 'make delivery-test', "
                "which builds the service with a known GIT_SHA"
            )

    def test_passes_on_the_deployed_sha(self):
        service = Service(self, free_port())
        service.wait_until_serving()
        result, elapsed = smoke(service.url, os.environ["WEBAPP_SHA"], timeout=10)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(os.environ["WEBAPP_SHA"], result.stdout)
        self.assertLess(elapsed, 5)

    def test_retries_until_the_new_build_answers(self):
        port = free_port()
        starter = threading.Timer(1.5, lambda: Service(self, port))
        starter.start()
        self.addCleanup(starter.cancel)
        result, elapsed = smoke(f"http://127.0.0.1:{port}", os.environ["WEBAPP_SHA"], timeout=20)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("no response", result.stdout)
        self.assertGreater(elapsed, 1.5)

    def test_fails_on_a_wrong_sha(self):
        service = Service(self, free_port())
        service.wait_until_serving()
        result, elapsed = smoke(service.url, WRONG_SHA, timeout=3)
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"last: commit {os.environ['WEBAPP_SHA']}", result.stderr)
        self.assertGreaterEqual(elapsed, 3)
        self.assertLess(elapsed, 3 + SLACK)

    def test_fails_when_nothing_listens(self):
        result, elapsed = smoke(f"http://127.0.0.1:{free_port()}", WRONG_SHA, timeout=2)
        self.assertEqual(result.returncode, 1)
        self.assertIn("no response", result.stderr)
        self.assertLess(elapsed, 2 + SLACK)

    def test_fails_in_time_when_the_server_never_answers(self):
        hung = socket.socket()
        self.addCleanup(hung.close)
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)  # connections complete in the backlog and are never served
        result, elapsed = smoke(f"http://127.0.0.1:{hung.getsockname()[1]}", WRONG_SHA, timeout=3)
        self.assertEqual(result.returncode, 1)
        self.assertIn("timed out", result.stderr)
        self.assertLess(elapsed, 3 + SLACK)

    def test_bad_arguments_are_refused(self):
        cases = [
            ("ftp://x", WRONG_SHA, "--url"),
            ("http://x", "main", "--expected-sha"),
            ("http://x", WRONG_SHA[:7], "--expected-sha"),
        ]
        for url, sha, named in cases:
            with self.subTest(url=url, sha=sha):
                result, _ = smoke(url, sha, timeout=1)
                self.assertEqual(result.returncode, 2)
                self.assertIn(named, result.stderr)


if __name__ == "__main__":
    unittest.main()
