"""gh_vars.py: the printed commands, run through bash against a recording `gh`, set every
variable to exactly the Terraform output's value, in the right scope."""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

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

    def test_commands_set_every_output_verbatim(self):
        result = gh_vars(BOOTSTRAP, LIVE, "--repo", "acme/devops-eks")
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        settings = self.run_printed(result.stdout)
        outputs = {**json.loads(BOOTSTRAP.read_text()), **json.loads(LIVE.read_text())}
        assert settings["TF_BACKEND_CONFIG"] == (None, outputs["backend_config"]["value"])
        # Each role's ARN lives in its own job's environment only (the pull-request plan runs
        # without one); the values only the app deploy reads live in the deploy environment.
        scopes = {
            "PLAN_PR_ROLE_ARN": (None, "plan_pr_role_arn"),
            "PLAN_ROLE_ARN": ("infra-plan", "plan_role_arn"),
            "APPLY_ROLE_ARN": ("infra-apply", "apply_role_arn"),
            "ECR_PUSH_ROLE_ARN": ("image-push", "ecr_push_role_arn"),
            "PLATFORM_SYNC_ROLE_ARN": ("platform-sync", "platform_sync_role_arn"),
            "DEPLOY_ROLE_ARN": ("production", "deploy_role_arn"),
            "CLUSTER_NAME": (None, "cluster_name"),
            "VPC_ID": (None, "vpc_id"),
            "APP_URL": ("production", "app_url"),
        }
        for variable, (environment, output) in scopes.items():
            assert settings[variable] == (environment, outputs[output]["value"]), variable
        assert settings["PUBLIC_SUBNET_CIDRS"] == (
            "production",
            '["10.0.0.0/24","10.0.1.0/24","10.0.2.0/24"]',
        )
        assert settings["CLUSTER_ENDPOINT_ACCESS"] == (None, "private")
        assert settings["CI_RUNNER_PROJECT"] == (None, "devops-eks-cluster-ci")
        # No cache in this deployment: the variable is deleted, not left stale.
        assert settings["IMAGE_REGISTRY_CACHE"] == ("platform-sync", None)
        assert len(settings) == 17
        # Outputs no workflow reads stay out of the variables.
        assert "CLUSTER_ENDPOINT" not in settings
        assert "LOAD_BALANCER_CONTROLLER_ROLE_ARN" not in settings

    def test_a_runner_removed_from_terraform_deletes_its_variable(self):
        live = self.work / "live.json"
        outputs = json.loads(LIVE.read_text())
        outputs["ci_runner_project"]["value"] = None
        outputs["cluster_endpoint_access"]["value"] = "public_cidrs"
        outputs["image_registry_cache"]["value"] = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
        live.write_text(json.dumps(outputs))
        result = gh_vars(BOOTSTRAP, live, "--repo", "acme/devops-eks")
        assert result.returncode == 0, result.stderr
        settings = self.run_printed(result.stdout)
        assert settings["CI_RUNNER_PROJECT"] == (None, None)
        assert settings["CLUSTER_ENDPOINT_ACCESS"] == (None, "public_cidrs")
        assert settings["IMAGE_REGISTRY_CACHE"] == (
            "platform-sync",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        )

    def test_bootstrap_alone_lists_what_is_still_missing(self):
        result = gh_vars(BOOTSTRAP)
        assert result.returncode == 0, result.stderr
        assert "PLAN_ROLE_ARN" in result.stdout
        assert "CLUSTER_NAME" not in result.stdout
        assert "not in these outputs yet" in result.stderr
        assert "cluster_name" in result.stderr

    def test_bad_input_fails_with_a_reason(self):
        sensitive = self.work / "sensitive.json"
        sensitive.write_text(json.dumps({"app_url": {"sensitive": True, "value": "x"}}))
        not_outputs = self.work / "plain.json"
        not_outputs.write_text(json.dumps({"app_url": "http://x"}))
        empty = self.work / "empty.json"
        empty.write_text(json.dumps({"cluster_name": {"sensitive": False, "value": ""}}))
        broken = self.work / "broken.json"
        broken.write_text("Error: No outputs found")
        no_outputs = self.work / "no-outputs.json"
        no_outputs.write_text("{}")
        cases = {
            no_outputs: "apply terraform/bootstrap first",
            sensitive: "sensitive",
            not_outputs: "has no value",
            empty: "non-empty string",
            broken: "not JSON",
            self.work / "absent.json": "cannot read",
        }
        for path, reason in cases.items():
            result = gh_vars(path)
            assert result.returncode == 2, path.name
            assert reason in result.stderr, path.name
            assert result.stdout == "", path.name

    def test_role_variables_need_the_environment_names(self):
        outputs = json.loads(BOOTSTRAP.read_text())
        del outputs["github_environments"]
        old_bootstrap = self.work / "old-bootstrap.json"
        old_bootstrap.write_text(json.dumps(outputs))
        result = gh_vars(old_bootstrap)
        assert result.returncode == 2
        assert "no github_environments.plan in the outputs" in result.stderr
        assert result.stdout == ""

    def test_bad_repo_is_refused(self):
        result = gh_vars(BOOTSTRAP, "--repo", "not a repo")
        assert result.returncode == 2
        assert "--repo must be owner/name" in result.stderr
