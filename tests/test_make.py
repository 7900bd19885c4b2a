"""`make test` runs every layer's checks, each once, side by side, with the longest first: what
a layer adds to LINT_TARGETS or TEST_TARGETS must reach the run, and a check started last that
outlasts all the others would set the length of the whole run."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LISTS = ("LINT_TARGETS", "TEST_TARGETS", "SLOW_TEST_TARGETS")


def make(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    return subprocess.run(
        ["make", "-C", str(ROOT), *args], env=env, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def database() -> str:
    """make's variables and rules, read without running a recipe."""
    return make("-pn", "help")


@pytest.fixture(scope="module")
def lists(database) -> dict[str, list[str]]:
    found = {}
    for name in LISTS:
        match = re.search(rf"^{name} :?= (.*)$", database, re.MULTILINE)
        assert match, f"{name} is not defined"
        found[name] = match.group(1).split()
    return found


@pytest.fixture(scope="module")
def test_run() -> list[str]:
    """The goals and options of the sub-make that `make test` starts after the tools."""
    for line in make("-n", "test").splitlines():
        words = line.split()
        if words and words[0].endswith("make") and "--output-sync=target" in words:
            return words[1:]
    pytest.fail("make test starts no sub-make with its output kept per target")


def goals(run: list[str]) -> list[str]:
    return [word for word in run if not word.startswith("-")]


def test_every_check_runs_once(database, lists, test_run):
    ran = goals(test_run)
    assert len(ran) == len(set(ran)), f"a check runs twice: {ran}"
    assert set(ran) == {"lint", *lists["TEST_TARGETS"]}
    lint = re.search(r"^lint: (.*)$", database, re.MULTILINE)
    assert lint, "no lint target"
    assert lint.group(1).split() == lists["LINT_TARGETS"]


def test_the_longest_checks_start_first(lists, test_run):
    slow = lists["SLOW_TEST_TARGETS"]
    assert slow, "no layer names its longest checks"
    assert set(slow) <= set(lists["TEST_TARGETS"])
    assert goals(test_run)[: len(slow)] == slow


def test_checks_run_side_by_side(test_run):
    jobs = [word for word in test_run if word.startswith("--jobs=")]
    assert jobs, "make test runs one check at a time"
    assert int(jobs[0].removeprefix("--jobs=")) > 1
