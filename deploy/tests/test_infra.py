"""infra.sh against a stand-in terraform: what reaches the plan text, the step output and the
exit status for each terraform outcome. A copy of the script runs in a scratch tree, so the
repository's terraform/live and .run/ are never touched."""

import os
import pathlib
import shutil
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Logs its arguments; `plan` prints and exits as FAKE_PLAN_EXIT says, `show` prints the plan.
FAKE_TERRAFORM = """#!/usr/bin/env bash
printf '%s\\n' "$*" >>"$CALLS"
case "$2" in
  plan)
    if [[ "$FAKE_PLAN_EXIT" == 1 ]]; then echo "Error: No valid credential sources found" >&2
    else echo "Refreshing state..."; fi
    exit "$FAKE_PLAN_EXIT" ;;
  show) echo "Plan: 1 to add, 0 to change, 0 to destroy." ;;
esac
"""


class TestInfra:
    def setup_method(self):
        self.tree = pathlib.Path(tempfile.mkdtemp(prefix="infra-test-"))
        (self.tree / "deploy").mkdir()
        shutil.copy(ROOT / "deploy" / "infra.sh", self.tree / "deploy" / "infra.sh")
        shutil.copy(ROOT / "deploy" / "settings.py", self.tree / "deploy" / "settings.py")
        (self.tree / "terraform" / "live").mkdir(parents=True)
        shutil.copy(
            ROOT / "terraform" / "settings.auto.tfvars.json",
            self.tree / "terraform" / "settings.auto.tfvars.json",
        )
        bin_dir = self.tree / "bin"
        bin_dir.mkdir()
        (bin_dir / "terraform").write_text(FAKE_TERRAFORM)
        (bin_dir / "terraform").chmod(0o755)
        self.calls = self.tree / "calls"
        self.output = self.tree / "github-output"
        self.env = {
            **os.environ,
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "CALLS": str(self.calls),
            "GITHUB_OUTPUT": str(self.output),
        }
        self.env.pop("TF_BACKEND_CONFIG", None)
        self.env.pop("TF_LIVE_TFVARS", None)
        self.env.pop("AWS_REGION", None)

    def teardown_method(self):
        shutil.rmtree(self.tree)

    def infra(self, command, plan_exit=0, **env):
        return subprocess.run(
            [str(self.tree / "deploy" / "infra.sh"), command],
            env={**self.env, "FAKE_PLAN_EXIT": str(plan_exit), **env},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    def plan_text(self):
        return (self.tree / ".run" / "infra" / "plan.txt").read_text()

    def test_plan_with_changes(self):
        result = self.infra("plan", plan_exit=2)
        assert result.returncode == 0, result.stderr
        assert self.output.read_text() == "has_changes=true\n"
        assert self.plan_text() == "Plan: 1 to add, 0 to change, 0 to destroy.\n"
        assert "-detailed-exitcode" in self.calls.read_text()

    def test_plan_without_changes(self):
        result = self.infra("plan", plan_exit=0)
        assert result.returncode == 0, result.stderr
        assert self.output.read_text() == "has_changes=false\n"

    def test_failed_plan_keeps_the_error_for_the_comment(self):
        result = self.infra("plan", plan_exit=1)
        assert result.returncode == 1
        assert "Error: No valid credential sources found" in self.plan_text()
        assert not self.output.exists()

    def test_drift_exit_codes(self):
        for plan_exit, status, said in ((0, 0, "no drift"), (2, 2, "DRIFT"), (1, 1, "plan failed")):
            result = self.infra("drift", plan_exit=plan_exit)
            assert result.returncode == status, (plan_exit, result.stderr)
            assert said in result.stdout + result.stderr
            assert "-lock=false" in self.calls.read_text().splitlines()[-1]

    def test_init_needs_backend_settings(self):
        result = self.infra("init")
        assert result.returncode == 1
        assert "no backend settings" in result.stderr

    def test_init_writes_the_backend_from_the_variable(self):
        backend = 'bucket = "acme-tfstate"\nregion = "eu-west-1"'
        result = self.infra("init", TF_BACKEND_CONFIG=backend, AWS_REGION="eu-west-1")
        assert result.returncode == 0, result.stderr
        live = self.tree / "terraform" / "live"
        assert (live / "backend.hcl").read_text() == backend + "\n"
        assert sorted(p.name for p in live.glob("*.tfvars")) == []
        assert (
            "init -input=false -lockfile=readonly -backend-config=backend.hcl"
            in self.calls.read_text()
        )

    def test_init_refuses_a_region_other_than_the_settings(self):
        cases = [
            {"TF_BACKEND_CONFIG": 'bucket = "acme-tfstate"\nregion = "us-east-1"'},
            {
                "TF_BACKEND_CONFIG": 'bucket = "acme-tfstate"\nregion = "eu-west-1"',
                "AWS_REGION": "us-east-1",
            },
        ]
        for env in cases:
            result = self.infra("init", **env)
            assert result.returncode == 1
            assert "us-east-1" in result.stderr
            assert "terraform/settings.auto.tfvars.json" in result.stderr
            assert " init " not in self.calls.read_text()

    def test_init_refuses_the_retired_tfvars_variable(self):
        result = self.infra(
            "init",
            TF_BACKEND_CONFIG='bucket = "acme-tfstate"\nregion = "eu-west-1"',
            TF_LIVE_TFVARS='public_access_cidrs = ["0.0.0.0/0"]',
        )
        assert result.returncode == 1
        assert "terraform/live/live.auto.tfvars" in result.stderr

    def test_apply_needs_the_saved_plan(self):
        result = self.infra("apply")
        assert result.returncode == 1
        assert "no saved plan" in result.stderr
        assert not self.calls.exists()
