"""infra.sh against a stand-in terraform: what reaches the plan text, the step output and the
exit status for each terraform outcome. A copy of the script runs in a scratch tree, so the
repository's terraform/live and .run/ are never touched."""

import os
import pathlib
import shutil
import subprocess
import tempfile
import unittest

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


class InfraTest(unittest.TestCase):
    def setUp(self):
        self.tree = pathlib.Path(tempfile.mkdtemp(prefix="infra-test-"))
        self.addCleanup(shutil.rmtree, self.tree)
        (self.tree / "deploy").mkdir()
        shutil.copy(ROOT / "deploy" / "infra.sh", self.tree / "deploy" / "infra.sh")
        (self.tree / "terraform" / "live").mkdir(parents=True)
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
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.output.read_text(), "has_changes=true\n")
        self.assertEqual(self.plan_text(), "Plan: 1 to add, 0 to change, 0 to destroy.\n")
        self.assertIn("-detailed-exitcode", self.calls.read_text())

    def test_plan_without_changes(self):
        result = self.infra("plan", plan_exit=0)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.output.read_text(), "has_changes=false\n")

    def test_failed_plan_keeps_the_error_for_the_comment(self):
        result = self.infra("plan", plan_exit=1)
        self.assertEqual(result.returncode, 1)
        self.assertIn("Error: No valid credential sources found", self.plan_text())
        self.assertFalse(self.output.exists())

    def test_drift_exit_codes(self):
        for plan_exit, status, said in ((0, 0, "no drift"), (2, 2, "DRIFT"), (1, 1, "plan failed")):
            with self.subTest(plan_exit=plan_exit):
                result = self.infra("drift", plan_exit=plan_exit)
                self.assertEqual(result.returncode, status)
                self.assertIn(said, result.stdout + result.stderr)
                self.assertIn("-lock=false", self.calls.read_text().splitlines()[-1])

    def test_init_needs_backend_settings(self):
        result = self.infra("init")
        self.assertEqual(result.returncode, 1)
        self.assertIn("no backend settings", result.stderr)

    def test_init_writes_the_backend_and_inputs_from_the_variables(self):
        result = self.infra(
            "init",
            TF_BACKEND_CONFIG='bucket = "acme-tfstate"',
            TF_LIVE_TFVARS='public_access_cidrs = ["0.0.0.0/0"]',
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        live = self.tree / "terraform" / "live"
        self.assertEqual((live / "backend.hcl").read_text(), 'bucket = "acme-tfstate"\n')
        self.assertEqual(
            (live / "github.auto.tfvars").read_text(), 'public_access_cidrs = ["0.0.0.0/0"]\n'
        )
        self.assertIn(
            "init -input=false -lockfile=readonly -backend-config=backend.hcl",
            self.calls.read_text(),
        )

    def test_apply_needs_the_saved_plan(self):
        result = self.infra("apply")
        self.assertEqual(result.returncode, 1)
        self.assertIn("no saved plan", result.stderr)
        self.assertFalse(self.calls.exists())


if __name__ == "__main__":
    unittest.main()
