"""checkov_gate.py: fails on a failed check, a parsing error, or a workflow checkov skipped."""

import json
import pathlib
import subprocess
import sys

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


class TestCheckovGate:
    def test_all_scanned_and_passed(self):
        result = gate(report(), "workflows/ci.yml")
        assert result.returncode == 0, result.stderr

    def test_a_skipped_workflow_fails(self):
        result = gate(report(), "workflows/ci.yml", "workflows/app.yml")
        assert result.returncode == 1
        assert "workflows/app.yml was not scanned" in result.stderr

    def test_a_failed_check_fails(self):
        failed = {**PASSED, "check_id": "CKV2_GHA_1", "check_name": "top-level permissions"}
        result = gate(report(failed=[failed]), "workflows/ci.yml")
        assert result.returncode == 1
        assert "FAILED CKV2_GHA_1" in result.stderr

    def test_parsing_errors_fail(self):
        assert gate(report(parsing_errors=1), "workflows/ci.yml").returncode == 1

    def test_no_report_fails(self):
        assert gate({"check_type": "yaml"}, "workflows/ci.yml").returncode == 1
        broken = subprocess.run(
            [sys.executable, str(GATE)],
            input="not json",
            text=True,
            capture_output=True,
            timeout=30,
            check=False,
        )
        assert broken.returncode == 2
