"""gh_vars.py: the printed commands, run through bash against a recording `gh`, set every
variable to exactly the Terraform output's value, in the right scope; a bootstrap applied in
another region than the committed settings is refused."""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "gh_vars.py"
FIXTURES = ROOT / "deploy" / "tests" / "fixtures"
BOOTSTRAP = FIXTURES / "bootstrap-outputs.json"
LIVE = FIXTURES / "live-outputs.json"
# Writes its argv as one JSON line, so the test sees each argument exactly as bash passed it.
RECORDING_GH = f"""#!/usr/bin/env bash
exec {sys.executable} -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@" >>"$CALLS"
"""


def gh_vars(*args):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


class TestGhVars:
    def setup_method(self):
        self.work = pathlib.Path(tempfile.mkdtemp(prefix="gh-vars-test-"))

    def teardown_method(self):
        shutil.rmtree(self.work)

    def run_printed(self, commands):
        """{variable: (environment or None, value)} that the printed commands would set."""
        gh = self.work / "gh"
        gh.write_text(RECORDING_GH)
        gh.chmod(0o755)
        calls = self.work / "calls"
        env = {**os.environ, "CALLS": str(calls), "PATH": f"{self.work}:{os.environ['PATH']}"}
        subprocess.run(
            ["bash", "-euo", "pipefail"], input=commands, env=env, check=True, timeout=30, text=True
        )
        settings = {}
        for line in calls.read_text().splitlines():
            argv = json.loads(line)
            assert argv[:2] in (["variable", "set"], ["variable", "delete"])
            options = dict(zip(argv[3::2], argv[4::2], strict=False))
            assert options.get("--repo") == "acme/devops-eks"
            # A deleted variable is recorded with the value None.
            settings[argv[2]] = (options.get("--env"), options.get("--body"))
        return settings

    def test_commands_set_every_bootstrap_output_verbatim(self):
        result = gh_vars(BOOTSTRAP, "--repo", "acme/devops-eks")
        assert result.returncode == 0, result.stderr
        settings = self.run_printed(result.stdout)
        outputs = json.loads(BOOTSTRAP.read_text())
        # Each role's ARN lives in its own job's environment only; the pull-request plan runs
        # without one.
        assert settings == {
            "TF_BACKEND_CONFIG": (None, outputs["backend_config"]["value"]),
            "PLAN_PR_ROLE_ARN": (None, outputs["plan_pr_role_arn"]["value"]),
            "PLAN_ROLE_ARN": ("infra-plan", outputs["plan_role_arn"]["value"]),
            "APPLY_ROLE_ARN": ("infra-apply", outputs["apply_role_arn"]["value"]),
            "ECR_PUSH_ROLE_ARN": ("image-push", outputs["ecr_push_role_arn"]["value"]),
            "PLATFORM_SYNC_ROLE_ARN": ("platform-sync", outputs["platform_sync_role_arn"]["value"]),
            "DEPLOY_ROLE_ARN": ("production", outputs["deploy_role_arn"]["value"]),
        }

    def test_live_adds_only_the_runner_selection(self):
        result = gh_vars(BOOTSTRAP, LIVE, "--repo", "acme/devops-eks")
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        settings = self.run_printed(result.stdout)
        # runs-on is evaluated before a job can read SSM: these two must be variables.
        assert settings["CLUSTER_ENDPOINT_ACCESS"] == (None, "private")
        assert settings["CI_RUNNER_PROJECT"] == (None, "devops-eks-cluster-ci")
        bootstrap = json.loads(BOOTSTRAP.read_text())
        # Live also outputs the role ARNs; the bootstrap's are the ones set.
        assert settings["DEPLOY_ROLE_ARN"] == ("production", bootstrap["deploy_role_arn"]["value"])
        assert len(settings) == 9

    def test_a_runner_removed_from_terraform_deletes_its_variable(self):
        live = self.work / "live.json"
        outputs = json.loads(LIVE.read_text())
        outputs["ci_runner_project"]["value"] = None
        outputs["cluster_endpoint_access"]["value"] = "public_cidrs"
        live.write_text(json.dumps(outputs))
        result = gh_vars(BOOTSTRAP, live, "--repo", "acme/devops-eks")
        assert result.returncode == 0, result.stderr
        settings = self.run_printed(result.stdout)
        assert settings["CI_RUNNER_PROJECT"] == (None, None)
        assert settings["CLUSTER_ENDPOINT_ACCESS"] == (None, "public_cidrs")

    def test_before_live_is_applied_its_variables_are_named(self):
        empty = self.work / "live.json"
        empty.write_text("{}")
        result = gh_vars(BOOTSTRAP, empty)
        assert result.returncode == 0, result.stderr
        assert "PLAN_ROLE_ARN" in result.stdout
        assert "ci_runner_project" in result.stderr

    def test_a_bootstrap_in_another_region_is_refused(self):
        settings = self.work / "settings.json"
        committed = json.loads((ROOT / "terraform/settings.auto.tfvars.json").read_text())
        settings.write_text(json.dumps({**committed, "aws_region": "us-east-1"}))
        result = gh_vars(BOOTSTRAP, "--settings", settings)
        assert result.returncode == 2
        assert "applied with aws_region 'eu-west-1'" in result.stderr
        assert "'us-east-1'" in result.stderr
        assert result.stdout == ""
        # The same outputs pass once the settings name their region.
        settings.write_text(json.dumps({**committed, "aws_region": "eu-west-1"}))
        assert gh_vars(BOOTSTRAP, "--settings", settings).returncode == 0

    @pytest.mark.parametrize(
        ("case", "reason"),
        [
            ("no-outputs", "apply terraform/bootstrap first"),
            ("sensitive", "sensitive"),
            ("plain", "has no value"),
            ("empty", "non-empty string"),
            ("partial", "missing backend_config, plan_pr_role_arn, plan_role_arn"),
            ("broken", "not JSON"),
            ("absent", "cannot read"),
        ],
    )
    def test_bad_input_fails_with_a_reason(self, case, reason):
        outputs = json.loads(BOOTSTRAP.read_text())
        documents = {
            "no-outputs": "{}",
            "sensitive": json.dumps(
                {**outputs, "plan_role_arn": {"sensitive": True, "value": "x"}}
            ),
            "plain": json.dumps({"plan_role_arn": "arn:x"}),
            "empty": json.dumps({**outputs, "plan_role_arn": {"value": ""}}),
            "partial": json.dumps({"aws_region": outputs["aws_region"]}),
            "broken": "Error: No outputs found",
        }
        path = self.work / f"{case}.json"
        if case in documents:
            path.write_text(documents[case])
        result = gh_vars(path)
        assert result.returncode == 2
        assert reason in result.stderr
        assert result.stdout == ""

    def test_role_variables_need_the_environment_names(self):
        outputs = json.loads(BOOTSTRAP.read_text())
        del outputs["github_environments"]
        old_bootstrap = self.work / "old-bootstrap.json"
        old_bootstrap.write_text(json.dumps(outputs))
        result = gh_vars(old_bootstrap)
        assert result.returncode == 2
        assert "missing github_environments: apply terraform/bootstrap" in result.stderr
        assert result.stdout == ""

    def test_bad_repo_is_refused(self):
        result = gh_vars(BOOTSTRAP, "--repo", "not a repo")
        assert result.returncode == 2
        assert "--repo must be owner/name" in result.stderr
