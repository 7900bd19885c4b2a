"""The workflows' hardening rules that zizmor and checkov do not check.

`make workflows-lint` runs zizmor with the auditor persona, which already fails a workflow on
top-level permissions other than none (excessive-permissions), a checkout that keeps its token
(artipacked) and any `${{ }}` inside a script (template-injection); `make lint-selftest` proves
each on tests/lint-fixtures/workflows/hardening.yml. What is left here is stricter than zizmor
(every action, `actions/*` included, pinned to a commit with its version) or outside its rules:
`id-token: write` only with a role, roles from variables, approvals before apply and deploy,
the deploy's digest and rollback wiring, and no build cache for the published image.
"""

import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
AWS_CREDENTIALS = "aws-actions/configure-aws-credentials@"


def load(path):
    # PyYAML reads the key `on` as True (YAML 1.1); the tests never need it.
    return yaml.safe_load(path.read_text())


def steps(job):
    return job.get("steps", [])


def uses_lines(path):
    return [
        line.split("uses:", 1)[1].strip()
        for line in path.read_text().splitlines()
        if line.strip().startswith(("uses:", "- uses:")) and "./" not in line
    ]


by_name = pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)


def test_the_three_workflows_exist():
    assert [p.name for p in WORKFLOWS] == ["app.yml", "ci.yml", "infra.yml"]


@by_name
def test_every_action_is_pinned_to_a_commit_with_its_version(path):
    unpinned = [reference for reference in uses_lines(path) if not PINNED.search(reference)]
    assert unpinned == []


@by_name
def test_least_permissions_per_job(path):
    for name, job in load(path)["jobs"].items():
        permissions = job["permissions"]
        assert permissions.get("contents") == "read", name
        assumes_role = any(s.get("uses", "").startswith(AWS_CREDENTIALS) for s in steps(job))
        assert (permissions.get("id-token") == "write") == assumes_role, name
        extra = set(permissions) - {"contents", "id-token", "pull-requests", "attestations"}
        assert extra == set(), name


@by_name
def test_roles_come_from_variables_and_no_keys_anywhere(path):
    text = path.read_text()
    assert "aws-access-key-id" not in text
    assert "secrets." not in text
    for name, job in load(path)["jobs"].items():
        for step in steps(job):
            if step.get("uses", "").startswith(AWS_CREDENTIALS):
                role = step["with"]["role-to-assume"]
                assert re.search(r"^\$\{\{ vars\.[A-Z_]+_ROLE_ARN \}\}$", role), name


def test_apply_and_deploy_wait_for_their_environments():
    infra = load(ROOT / ".github" / "workflows" / "infra.yml")
    app = load(ROOT / ".github" / "workflows" / "app.yml")
    assert infra["jobs"]["apply"]["environment"] == "infra-apply"
    assert infra["jobs"]["apply"]["needs"] == "plan"
    assert app["jobs"]["deploy"]["environment"] == "production"
    assert app["jobs"]["deploy"]["needs"] == ["build", "platform-sync"]
    assert app["jobs"]["platform-sync"]["environment"] == "platform-sync"
    assert app["jobs"]["build"]["needs"] == "test"
    for workflow in (infra, app):
        assert workflow["concurrency"]["cancel-in-progress"] is False


def test_deploy_uses_the_pushed_digest_and_rolls_back_after_a_failed_smoke_test():
    deploy = load(ROOT / ".github" / "workflows" / "app.yml")["jobs"]["deploy"]
    by_run = {step.get("run"): step for step in steps(deploy)}
    assert by_run["make deploy"]["env"]["IMAGE_DIGEST"] == "${{ needs.build.outputs.digest }}"
    # The commit the image was built from: this push's, or the redeployed one's.
    assert by_run["make deploy"]["env"]["IMAGE_TAG"] == "${{ needs.build.outputs.commit }}"
    assert by_run["make smoke"]["env"]["EXPECTED_SHA"] == "${{ needs.build.outputs.commit }}"
    assert by_run["make rollback"]["if"] == "${{ failure() && steps.smoke.outcome == 'failure' }}"
    # helm comes from the same pinned, checksum-verified package as make tools
    assert any("tools/install.sh helm" in (s.get("run") or "") for s in steps(deploy))
    assert not any("setup-helm" in s.get("uses", "") for s in steps(deploy))


def test_redeploying_an_earlier_commit_tests_and_builds_nothing():
    app = load(ROOT / ".github" / "workflows" / "app.yml")
    # PyYAML reads `on` as True.
    inputs = app[True]["workflow_dispatch"]["inputs"]
    assert inputs["redeploy_sha"]["default"] == ""
    assert app["jobs"]["test"]["if"] == "inputs.redeploy_sha == ''"
    condition = " ".join(app["jobs"]["build"]["if"].split())
    assert "needs.test.result == 'success'" in condition
    assert "needs.test.result == 'skipped' && inputs.redeploy_sha != ''" in condition
    build = app["jobs"]["build"]
    assert build["outputs"]["commit"] == "${{ inputs.redeploy_sha || github.sha }}"
    (lookup,) = [s for s in steps(build) if s.get("run") == "make image-lookup"]
    assert lookup["env"]["IMAGE_TAG"] == "${{ inputs.redeploy_sha || github.sha }}"
    assert lookup["env"]["IMAGE_MUST_EXIST"] == "${{ inputs.redeploy_sha != '' }}"


@by_name
def test_only_bootstrap_values_and_the_runner_come_from_github_variables(path):
    """Region and names come from the settings file, live's outputs from SSM at run time."""
    allowed = {
        "TF_BACKEND_CONFIG",
        "PLAN_PR_ROLE_ARN",
        "PLAN_ROLE_ARN",
        "APPLY_ROLE_ARN",
        "ECR_PUSH_ROLE_ARN",
        "PLATFORM_SYNC_ROLE_ARN",
        "DEPLOY_ROLE_ARN",
        # runs-on is evaluated before any step could read SSM
        "CI_RUNNER_PROJECT",
    }
    assert set(re.findall(r"vars\.([A-Z0-9_]+)", path.read_text())) <= allowed


@by_name
def test_settings_and_outputs_are_read_before_they_are_used(path):
    for name, job in load(path)["jobs"].items():
        runs = [step.get("run") or "" for step in steps(job)]
        exported = [i for i, r in enumerate(runs) if "deploy/settings.py env" in r]
        outputs = [i for i, r in enumerate(runs) if r.startswith("make platform-outputs")]
        for index, step in enumerate(steps(job)):
            if step.get("uses", "").startswith(AWS_CREDENTIALS):
                assert exported, name
                assert exported[0] < index, name
                assert step["with"]["aws-region"] == "${{ env.AWS_REGION }}", name
            if "env.ECR_REPOSITORY_URL" in yaml.safe_dump(step):
                assert outputs, name
                assert outputs[0] < index, name


def test_the_published_image_is_built_without_a_cache():
    build = load(ROOT / ".github" / "workflows" / "app.yml")["jobs"]["build"]
    for step in steps(build):
        assert "actions/cache@" not in step.get("uses", "")
        for key in ("cache-from", "cache-to"):
            assert key not in step.get("with", {})
