"""deploy/settings.py: the one file of shared settings, as the workflows and scripts read it."""

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy/settings.py"
COMMITTED = json.loads((ROOT / "terraform/settings.auto.tfvars.json").read_text())


def run(*args):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


def write(tmp_path, **changes):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({**COMMITTED, **changes}))
    return str(path)


def test_both_roots_load_the_one_settings_file():
    for root in ("bootstrap", "live"):
        link = ROOT / "terraform" / root / "settings.auto.tfvars.json"
        assert link.is_symlink(), f"{link} must link to terraform/settings.auto.tfvars.json"
        assert link.resolve() == ROOT / "terraform/settings.auto.tfvars.json"


@pytest.mark.parametrize("region", ["eu-west-1", "us-east-1"])
def test_env_lines_follow_the_file(tmp_path, region):
    result = run("--file", write(tmp_path, aws_region=region), "env")
    assert result.returncode == 0, result.stderr
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert lines == {
        "AWS_REGION": region,
        "CLUSTER_NAME": COMMITTED["cluster_name"],
        "ECR_REPOSITORY_NAME": COMMITTED["ecr_repository_name"],
        "PARAMETER_PREFIX": COMMITTED["parameter_prefix"],
    }
    assert run("--file", write(tmp_path, aws_region=region), "get", "aws_region").stdout == (
        region + "\n"
    )


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"aws_region": "europe"}, "aws_region"),
        ({"cluster_name": "a-cluster-name-that-is-far-too-long"}, "cluster_name"),
        ({"parameter_prefix": "/aws/platform"}, "parameter_prefix"),
        ({"parameter_prefix": "/platform/"}, "parameter_prefix"),
        ({"region": "eu-west-1"}, "region: not a shared setting"),
    ],
)
def test_bad_settings_are_refused_by_name(tmp_path, changes, named):
    result = run("--file", write(tmp_path, **changes), "env")
    assert result.returncode == 2
    assert named in result.stderr
    assert result.stdout == ""


def test_the_committed_settings_are_valid():
    assert run("env").returncode == 0
