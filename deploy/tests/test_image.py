"""app/Dockerfile: the checks the image build runs, executed with the shell the build uses."""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "app" / "Dockerfile"


def run_instructions():
    # BuildKit joins continuation lines before it hands a RUN to /bin/sh -c.
    joined = DOCKERFILE.read_text().replace("\\\n", "")
    return [line[len("RUN ") :] for line in joined.splitlines() if line.startswith("RUN ")]


def git_sha_check():
    (check,) = [run for run in run_instructions() if run.startswith('expr "$GIT_SHA"')]
    return check


@pytest.mark.parametrize("value", ["", "unknown", "0123abc", "0123456789ABCDEF" * 2 + "01234567"])
def test_a_build_without_the_full_commit_stops(value):
    result = subprocess.run(
        ["sh", "-c", git_sha_check()],
        env={**os.environ, "GIT_SHA": value},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "is not a full commit SHA" in result.stderr


def test_a_build_with_the_full_commit_goes_on():
    sha = "0123456789abcdef" * 2 + "01234567"
    result = subprocess.run(
        ["sh", "-c", git_sha_check()], env={**os.environ, "GIT_SHA": sha}, check=False
    )
    assert result.returncode == 0


def test_the_check_runs_before_the_binary_is_built():
    runs = run_instructions()
    check = runs.index(git_sha_check())
    build = next(i for i, run in enumerate(runs) if "cargo zigbuild --release" in run)
    assert check < build
