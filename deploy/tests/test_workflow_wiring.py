"""How the workflows' jobs hand results to each other: re-runs, rollbacks, concurrency, the plan."""

import pathlib

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"


def workflow(name):
    return yaml.safe_load((WORKFLOWS / name).read_text())


def step(job, *, uses=None, run=None, step_id=None):
    for candidate in job["steps"]:
        if (
            (uses and candidate.get("uses", "").startswith(uses + "@"))
            or (run and candidate.get("run") == run)
            or (step_id and candidate.get("id") == step_id)
        ):
            return candidate
    raise AssertionError(f"no step with uses={uses} run={run} id={step_id}")


@pytest.fixture
def build():
    return workflow("app.yml")["jobs"]["build"]


def test_a_pushed_commit_is_looked_up_before_anything_is_built(build):
    lookup = step(build, run="make image-lookup")
    assert lookup["id"] == "lookup"
    assert lookup["env"] == {
        "IMAGE_REPOSITORY": "${{ vars.ECR_REPOSITORY_URL }}",
        "IMAGE_TAG": "${{ github.sha }}",
    }
    position = build["steps"].index(lookup)
    for action in (
        "aws-actions/amazon-ecr-login",
        "docker/setup-buildx-action",
        "docker/build-push-action",
    ):
        later = step(build, uses=action)
        assert build["steps"].index(later) > position
        assert later["if"] == "steps.lookup.outputs.exists == 'false'"


def test_the_deploy_gets_the_found_or_the_pushed_digest(build):
    assert build["outputs"]["digest"] == (
        "${{ steps.lookup.outputs.digest || steps.push.outputs.digest }}"
    )
