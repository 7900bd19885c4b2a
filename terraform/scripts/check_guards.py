#!/usr/bin/env python3
"""Check the lifecycle guards a plan cannot show: the state bucket and its KMS key must keep
`prevent_destroy = true` (terraform test runs plans, and a plan does not carry lifecycle
settings).

Usage: check_guards.py BOOTSTRAP_MAIN_TF
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

GUARDED = [("aws_s3_bucket", "state"), ("aws_kms_key", "state")]


def resource_body(text: str, rtype: str, name: str) -> str | None:
    match = re.search(rf'^resource "{rtype}" "{name}" \{{\n(.*?)^\}}', text, re.M | re.S)
    return match.group(1) if match else None


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.exit(__doc__)
    text = Path(argv[0]).read_text(encoding="utf-8")
    problems = []
    for rtype, name in GUARDED:
        body = resource_body(text, rtype, name)
        if body is None:
            problems.append(f"{rtype}.{name} not found")
        elif not re.search(
            r"lifecycle \{[^}]*^\s*prevent_destroy\s*=\s*true\s*$", body, re.M | re.S
        ):
            problems.append(f"{rtype}.{name} lacks lifecycle {{ prevent_destroy = true }}")
    for problem in problems:
        print(f"check_guards: {argv[0]}: {problem}", file=sys.stderr)
    print(
        f"check_guards: {len(GUARDED) - len(problems)}/{len(GUARDED)} guarded resources keep prevent_destroy"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
