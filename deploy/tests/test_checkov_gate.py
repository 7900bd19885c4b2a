"""checkov_gate.py: fails on a failed check, a parsing error, or a workflow checkov skipped."""

import json
import pathlib
import subprocess
import sys
import unittest

GATE = pathlib.Path(__file__).resolve().parents[2] / "deploy" / "checkov_gate.py"
PASSED = {
    "check_id": "CKV_GHA_1",
    "check_name": "ok",
    "file_path": "/workflows/ci.yml",
    "file_line_range": [1, 9],
}


def report(passed=(PASSED,), failed=(), parsing_errors=0):
    return {
        "check_type": "github_actions",
        "results": {"passed_checks": list(passed), "failed_checks": list(failed)},
        "summary": {"parsing_errors": parsing_errors},
    }


def gate(document, *workflows):
    return subprocess.run(
        [sys.executable, str(GATE), *workflows],
        input=json.dumps(document),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


class CheckovGateTest(unittest.TestCase):
    def test_all_scanned_and_passed(self):
        result = gate(report(), "workflows/ci.yml")
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_a_skipped_workflow_fails(self):
        result = gate(report(), "workflows/ci.yml", "workflows/app.yml")
        self.assertEqual(result.returncode, 1)
        self.assertIn("workflows/app.yml was not scanned", result.stderr)

    def test_a_failed_check_fails(self):
        failed = {**PASSED, "check_id": "CKV2_GHA_1", "check_name": "top-level permissions"}
        result = gate(report(failed=[failed]), "workflows/ci.yml")
        self.assertEqual(result.returncode, 1)
        self.assertIn("FAILED CKV2_GHA_1", result.stderr)

    def test_parsing_errors_fail(self):
        self.assertEqual(gate(report(parsing_errors=1), "workflows/ci.yml").returncode, 1)

    def test_no_report_fails(self):
        self.assertEqual(gate({"check_type": "yaml"}, "workflows/ci.yml").returncode, 1)
        broken = subprocess.run(
            [sys.executable, str(GATE)],
            input="not json",
            text=True,
            capture_output=True,
            timeout=30,
            check=False,
        )
        self.assertEqual(broken.returncode, 2)


if __name__ == "__main__":
    unittest.main()
