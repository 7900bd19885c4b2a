"""verify_image.sh with a stand-in gh that knows which digests carry which attestation and
applies `gh attestation verify`'s policy flags to them: only this repository's app workflow on
main passes; unsigned and foreign-signed digests fail, so they are never deployed."""

import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
VERIFY = ROOT / "deploy" / "verify_image.sh"
REPOSITORY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/webapp"
THIS_REPO = "acme/devops-eks"
SIGNED = "sha256:" + "11" * 32
# Answers like gh: exit 0 only when an attestation of the digest matches every policy flag.
STAND_IN_GH = """#!/usr/bin/env python3
import json, os, sys

args = sys.argv[1:]
with open(os.environ["CALLS"], "a") as calls:
    calls.write(json.dumps(args) + "\\n")
assert args[:2] == ["attestation", "verify"], args
digest = args[2].rsplit("@", 1)[1]
flags = dict(zip(args[3::2], args[4::2], strict=True))
attestations = json.loads(os.environ["ATTESTATIONS"]).get(digest, [])
if not attestations:
    sys.exit("Error: failed to fetch attestations: no attestations found for " + digest)
for found in attestations:
    if (
        found["repo"] == flags["--repo"]
        and found["workflow"] == flags["--signer-workflow"]
        and found["ref"] == flags["--source-ref"]
        and found["predicate"] == flags["--predicate-type"]
    ):
        print("Verification succeeded!")
        sys.exit(0)
sys.exit("Error: verifying with issuer: certificate does not match the policy")
"""


def attestation(repo=THIS_REPO, workflow=".github/workflows/app.yml", ref="refs/heads/main"):
    return {
        "repo": repo,
        "workflow": f"{repo}/{workflow}",
        "ref": ref,
        "predicate": "https://slsa.dev/provenance/v1",
    }


@pytest.fixture
def verify(tmp_path):
    (tmp_path / "gh").write_text(STAND_IN_GH)
    (tmp_path / "gh").chmod(0o755)

    def run(digest, attestations, **overrides):
        env = {
            **os.environ,
            "PATH": f"{tmp_path}:{os.environ['PATH']}",
            "CALLS": str(tmp_path / "calls"),
            "ATTESTATIONS": json.dumps(attestations),
            "IMAGE_REPOSITORY": REPOSITORY,
            "IMAGE_DIGEST": digest,
            "GITHUB_REPOSITORY": THIS_REPO,
            **overrides,
        }
        result = subprocess.run(
            [VERIFY], env=env, capture_output=True, text=True, timeout=30, check=False
        )
        calls = tmp_path / "calls"
        result.calls = (
            [json.loads(c) for c in calls.read_text().splitlines()] if calls.exists() else []
        )
        return result

    return run


def test_a_digest_attested_by_this_workflow_on_main_passes(verify):
    result = verify(SIGNED, {SIGNED: [attestation()]})
    assert result.returncode == 0, result.stderr
    (call,) = result.calls
    assert call[:3] == ["attestation", "verify", f"oci://{REPOSITORY}@{SIGNED}"]
    assert dict(zip(call[3::2], call[4::2], strict=True)) == {
        "--repo": THIS_REPO,
        "--signer-workflow": f"{THIS_REPO}/.github/workflows/app.yml",
        "--source-ref": "refs/heads/main",
        "--predicate-type": "https://slsa.dev/provenance/v1",
    }


@pytest.mark.parametrize(
    "found",
    [
        [],
        [attestation(repo="mallory/devops-eks")],
        [attestation(workflow=".github/workflows/ci.yml")],
        [attestation(ref="refs/heads/feature")],
    ],
    ids=["unsigned", "another-repository", "another-workflow", "another-branch"],
)
def test_anything_else_is_refused(verify, found):
    result = verify(SIGNED, {SIGNED: found})
    assert result.returncode == 2
    assert "it is not deployed" in result.stderr


def test_an_attestation_of_another_digest_does_not_count(verify):
    result = verify("sha256:" + "22" * 32, {SIGNED: [attestation()]})
    assert result.returncode == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IMAGE_DIGEST", "latest"),
        ("IMAGE_REPOSITORY", REPOSITORY + ":latest"),
        ("GITHUB_REPOSITORY", ""),
    ],
)
def test_bad_inputs_are_refused_before_gh_runs(verify, name, value):
    result = verify(SIGNED, {SIGNED: [attestation()]}, **{name: value})
    assert result.returncode == 2
    assert name in result.stderr
    assert result.calls == []
