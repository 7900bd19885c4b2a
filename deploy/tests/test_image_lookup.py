"""image_lookup.sh against a stand-in `aws`: a re-run finds the pushed digest, a new commit builds,
and any other answer from the registry stops the job instead of passing for "not pushed"."""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
LOOKUP = ROOT / "deploy" / "image_lookup.sh"
REPOSITORY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/webapp"
SHA = "0123456789abcdef0123456789abcdef01234567"
DIGEST = "sha256:" + "ab" * 32
# Answers `aws ecr describe-images` the way the CLI does for each REGISTRY_STATE.
STAND_IN_AWS = """#!/usr/bin/env bash
printf '%s\\n' "$*" >>"$CALLS"
case "$REGISTRY_STATE" in
  pushed) printf '%s\\n' "$PUSHED_DIGEST" ;;
  missing)
    printf '%s %s\n' "An error occurred (ImageNotFoundException) when calling the DescribeImages" \\
      "operation: The image with imageId {imageTag:'$SHA'} does not exist" >&2
    exit 254 ;;
  denied)
    printf '%s %s\n' "An error occurred (AccessDeniedException) when calling the DescribeImages" \\
      "operation: not authorized" >&2
    exit 254 ;;
esac
"""


@pytest.fixture
def lookup(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text(STAND_IN_AWS)
    (bin_dir / "aws").chmod(0o755)

    def run(state, **overrides):
        env = {
            **os.environ,
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "CALLS": str(tmp_path / "calls"),
            "GITHUB_OUTPUT": str(tmp_path / "output"),
            "REGISTRY_STATE": state,
            "PUSHED_DIGEST": DIGEST,
            "IMAGE_REPOSITORY": REPOSITORY,
            "IMAGE_TAG": SHA,
            **overrides,
        }
        result = subprocess.run(
            [LOOKUP], env=env, capture_output=True, text=True, timeout=30, check=False
        )
        output = tmp_path / "output"
        result.outputs = output.read_text().splitlines() if output.exists() else []
        calls = tmp_path / "calls"
        result.calls = calls.read_text().splitlines() if calls.exists() else []
        return result

    return run


def test_a_pushed_commit_gives_its_digest_and_no_build(lookup):
    result = lookup("pushed")
    assert result.returncode == 0, result.stderr
    assert result.outputs == ["exists=true", f"digest={DIGEST}"]
    assert result.calls == [
        "ecr describe-images --registry-id 123456789012 --repository-name webapp "
        f"--image-ids imageTag={SHA} --query imageDetails[0].imageDigest --output text"
    ]


def test_a_new_commit_is_built(lookup):
    result = lookup("missing")
    assert result.returncode == 0, result.stderr
    assert result.outputs == ["exists=false"]


def test_a_registry_error_stops_the_job(lookup):
    result = lookup("denied")
    assert result.returncode != 0
    assert "AccessDeniedException" in result.stderr
    assert result.outputs == []


def test_an_answer_that_is_not_a_digest_stops_the_job(lookup):
    result = lookup("pushed", PUSHED_DIGEST="None")
    assert result.returncode != 0
    assert "not a digest" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IMAGE_REPOSITORY", "docker.io/library/webapp"),
        ("IMAGE_REPOSITORY", REPOSITORY + ":latest"),
        ("IMAGE_TAG", "latest"),
        ("IMAGE_TAG", ""),
    ],
)
def test_bad_inputs_are_refused_before_any_call(lookup, name, value):
    result = lookup("pushed", **{name: value})
    assert result.returncode == 2
    assert name in result.stderr
    assert result.calls == []
