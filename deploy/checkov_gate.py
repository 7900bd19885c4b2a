#!/usr/bin/env python3
"""Gate on checkov's github_actions JSON report: no failed check, and every workflow scanned.

checkov silently skips a workflow that its bundled schema rejects (an expression where it
expects a boolean, for example), and then reports "0 failed" for it. So this also requires
every given workflow file to appear among the scanned results.
Usage: checkov -o json ... | checkov_gate.py .github/workflows/*.yml
"""

import json
import os
import sys


def main(workflows):
    try:
        report = json.load(sys.stdin)
    except json.JSONDecodeError as err:
        print(f"checkov-gate: checkov did not print a JSON report: {err}", file=sys.stderr)
        return 2
    reports = report if isinstance(report, list) else [report]
    results = [r for r in reports if r.get("check_type") == "github_actions"]
    if not results:
        print(
            "checkov-gate: no github_actions results: checkov scanned no workflow", file=sys.stderr
        )
        return 1
    checks = [
        c
        for r in results
        for key in ("passed_checks", "failed_checks", "skipped_checks")
        for c in r["results"].get(key, [])
    ]
    failed = [c for r in results for c in r["results"].get("failed_checks", [])]
    scanned = {os.path.normpath(c["file_path"].lstrip("/")) for c in checks}
    unscanned = sorted(w for w in workflows if os.path.normpath(w) not in scanned)
    for check in failed:
        print(
            f"checkov: FAILED {check['check_id']} {check['check_name']}: "
            f"{check['file_path']}:{check['file_line_range']}",
            file=sys.stderr,
        )
    for workflow in unscanned:
        print(
            f"checkov-gate: {workflow} was not scanned (checkov's schema rejected it?)",
            file=sys.stderr,
        )
    errors = sum(r["summary"].get("parsing_errors", 0) for r in results)
    if errors:
        print(f"checkov-gate: {errors} parsing errors", file=sys.stderr)
    if failed or unscanned or errors:
        return 1
    print(f"checkov: {len(checks)} checks over {len(scanned)} workflows, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
