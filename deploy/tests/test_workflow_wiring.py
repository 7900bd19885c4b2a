"""How the workflows' jobs hand results to each other: re-runs, rollbacks, concurrency, the plan."""

import pathlib
import re

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
        "IMAGE_REPOSITORY": "${{ env.ECR_REPOSITORY_URL }}",
        "IMAGE_TAG": "${{ inputs.redeploy_sha || github.sha }}",
        "IMAGE_MUST_EXIST": "${{ inputs.redeploy_sha != '' }}",
    }
    position = build["steps"].index(lookup)
    for action in (
        "aws-actions/amazon-ecr-login",
        "docker/setup-buildx-action",
        "docker/build-push-action",
        "actions/attest-build-provenance",
    ):
        later = step(build, uses=action)
        assert build["steps"].index(later) > position
        assert later["if"] == "steps.lookup.outputs.exists == 'false'"


def test_every_pushed_digest_is_attested_and_verified_before_the_deploy(build):
    attest = step(build, uses="actions/attest-build-provenance")
    assert attest["with"] == {
        "subject-name": "${{ env.ECR_REPOSITORY_URL }}",
        "subject-digest": "${{ steps.push.outputs.digest }}",
    }
    assert build["steps"].index(attest) > build["steps"].index(step(build, step_id="push"))
    assert build["permissions"]["attestations"] == "write"
    deploy = workflow("app.yml")["jobs"]["deploy"]
    verify = step(deploy, run="make verify-image")
    # Unconditional, and before anything touches the cluster.
    assert "if" not in verify
    assert deploy["steps"].index(verify) < deploy["steps"].index(step(deploy, run="make deploy"))
    assert verify["env"] == {
        "IMAGE_REPOSITORY": "${{ env.ECR_REPOSITORY_URL }}",
        "IMAGE_DIGEST": "${{ needs.build.outputs.digest }}",
        "GH_TOKEN": "${{ github.token }}",
    }
    login = step(deploy, uses="aws-actions/amazon-ecr-login")
    assert deploy["steps"].index(login) < deploy["steps"].index(verify)
    assert deploy["permissions"]["attestations"] == "read"


def concurrency_group(event_name, ref="refs/heads/main"):
    """infra.yml's workflow group for an event, evaluated the way GitHub evaluates && and ||."""
    expression = workflow("infra.yml")["concurrency"]["group"]
    (inner,) = re.findall(r"\$\{\{(.*)\}\}", expression.replace("\n", " "), re.S)
    python = inner.replace("&&", " and ").replace("||", " or ").replace("github.", "github_")
    value = eval(python, {"github_event_name": event_name, "github_ref": ref})  # noqa: S307
    return expression.split("${{")[0] + value


def test_drift_pull_requests_and_main_have_separate_groups():
    live = concurrency_group("push")
    assert concurrency_group("workflow_dispatch") == live
    assert concurrency_group("schedule") != live
    assert concurrency_group("pull_request", "refs/pull/7/merge") not in (live, "infra-drift")
    assert workflow("infra.yml")["concurrency"]["cancel-in-progress"] is False


def test_an_apply_and_a_deploy_never_run_together():
    apply = workflow("infra.yml")["jobs"]["apply"]
    deploy = workflow("app.yml")["jobs"]["deploy"]
    assert apply["concurrency"] == deploy["concurrency"]
    assert apply["concurrency"]["cancel-in-progress"] is False
    # At most one contender per workflow: each workflow's own group lets one run at a time.
    for name in ("infra.yml", "app.yml"):
        assert workflow(name)["concurrency"]["cancel-in-progress"] is False


def test_the_pull_request_plan_takes_no_lock():
    runs = [s.get("run") for s in workflow("infra.yml")["jobs"]["pr-plan"]["steps"]]
    assert "make terraform-live-preview" in runs
    assert "make terraform-live-plan" not in runs


def test_the_apply_gets_the_reviewed_plan_from_the_plan_job_and_no_artifact_carries_it():
    infra = workflow("infra.yml")
    plan_job, apply = infra["jobs"]["plan"], infra["jobs"]["apply"]
    plan_step = step(plan_job, run="make terraform-live-plan")
    assert plan_step["id"] == "plan"
    assert "${{ github.run_id }}" in plan_step["env"]["PLAN_KEY"]
    for name in ("plan_key", "plan_sha256"):
        assert plan_job["outputs"][name] == f"${{{{ steps.plan.outputs.{name} }}}}"
    assert step(apply, run="make terraform-live-apply")["env"] == {
        "PLAN_KEY": "${{ needs.plan.outputs.plan_key }}",
        "PLAN_SHA256": "${{ needs.plan.outputs.plan_sha256 }}",
    }
    for job in infra["jobs"].values():
        for candidate in job["steps"]:
            paths = str(candidate.get("with", {}).get("path", ""))
            assert ".tfplan" not in paths
            assert not candidate.get("uses", "").startswith("actions/download-artifact@")
