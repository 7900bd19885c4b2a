#!/usr/bin/env python3
"""Smoke test: wait until <url>/version reports the commit we just deployed.

A rollout is only done when the public endpoint serves the new build, so this polls
`/version` through the load balancer until `.commit` equals the expected SHA, or gives up
after an overall time limit. Exit 0 on a match, 1 on timeout, 2 on bad arguments.
"""

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

SHA = re.compile(r"^([0-9a-f]{40}|[0-9a-f]{64})$")
# One request never waits longer than this, so a hung connection cannot eat the budget.
REQUEST_TIMEOUT_SECONDS = 5.0


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("APP_URL", ""),
        help="public base URL of the app (env APP_URL)",
    )
    parser.add_argument(
        "--expected-sha",
        default=os.environ.get("EXPECTED_SHA", ""),
        help="full git commit SHA that must be live (env EXPECTED_SHA)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=float(os.environ.get("SMOKE_TIMEOUT_SECONDS", "300")),
        help="overall time limit in seconds (env SMOKE_TIMEOUT_SECONDS)",
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=float(os.environ.get("SMOKE_INTERVAL_SECONDS", "5")),
        help="pause between attempts in seconds (env SMOKE_INTERVAL_SECONDS)",
    )
    args = parser.parse_args(argv)
    if not re.match(r"^https?://[^/\s]+", args.url):
        parser.error(f"--url must be an http(s) URL, got {args.url!r}")
    if not SHA.match(args.expected_sha):
        parser.error(
            f"--expected-sha must be a full lowercase hex commit SHA, got {args.expected_sha!r}"
        )
    if not 0 < args.timeout <= 3600:
        parser.error("--timeout must be in (0, 3600] seconds")
    if not 0 < args.interval <= args.timeout:
        parser.error("--interval must be positive and at most --timeout")
    return args


def observe(url, timeout):
    """One GET of /version: the commit it reports, or a short reason why there is none."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read(65536)
    except urllib.error.HTTPError as err:
        return None, f"HTTP {err.code}"
    except (urllib.error.URLError, OSError) as err:
        return None, f"no response ({getattr(err, 'reason', err)})"
    try:
        commit = json.loads(body)["commit"]
    except (ValueError, KeyError, TypeError):
        return None, f"not a version document: {body[:120]!r}"
    return commit, f"commit {commit}"


def main(argv=None):
    args = parse_args(argv)
    url = args.url.rstrip("/") + "/version"
    deadline = time.monotonic() + args.timeout
    attempt = 0
    while True:
        attempt += 1
        remaining = deadline - time.monotonic()
        commit, seen = observe(url, min(REQUEST_TIMEOUT_SECONDS, max(remaining, 0.1)))
        if commit == args.expected_sha:
            print(f"smoke: {url} serves {commit} (attempt {attempt})")
            return 0
        print(f"smoke: attempt {attempt}: {seen}, want {args.expected_sha}", flush=True)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        time.sleep(min(args.interval, remaining))
    print(
        f"smoke: FAILED: {url} did not serve {args.expected_sha} within {args.timeout:g}s "
        f"(last: {seen})",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
