#!/usr/bin/env python3
"""Fail when an IAM statement allows every action ("*") on every resource ("*") without a
written reason.

A statement is any {...} block with an `Action =` / `actions =` attribute, as written in
jsonencode() policies or aws_iam_policy_document blocks. The reason is a comment containing
`wildcard-reason:` and some text, inside the statement or on the three lines above it.

Usage: check_iam_wildcards.py PATH...      (directories are searched for *.tf)
       check_iam_wildcards.py --self-test  (the fixtures in testdata/ must be judged right)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ACTION = re.compile(r"\b(Action|actions|NotAction|not_actions)\s*=\s*")
RESOURCE = re.compile(r"\b(Resource|resources)\s*=\s*")
DENY = re.compile(r"\b(Effect|effect)\s*=\s*\"Deny\"")
REASON = re.compile(r"(#|//).*wildcard-reason:\s*\S")
FULL_WILDCARD = {'"*"', '"*:*"'}


def value_at(text: str, start: int) -> str:
    """The attribute value starting at `start`: a "string" or a [list]."""
    if text[start] == "[":
        return text[start : text.index("]", start) + 1]
    match = re.match(r'"[^"]*"', text[start:])
    return match.group(0) if match else ""


def is_everything(value: str) -> bool:
    return bool(FULL_WILDCARD & set(re.findall(r'"[^"]*"', value)))


def enclosing_block(text: str, pos: int) -> tuple[int, int]:
    depth, open_at = 0, 0
    for i in range(pos, -1, -1):
        if text[i] == "}":
            depth += 1
        elif text[i] == "{":
            if depth == 0:
                open_at = i
                break
            depth -= 1
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return open_at, i + 1
    return open_at, len(text)


def findings(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = []
    for match in ACTION.finditer(text):
        not_action = match.group(1).lower().startswith("not")
        if not not_action and not is_everything(value_at(text, match.end())):
            continue
        start, end = enclosing_block(text, match.start())
        block = text[start:end]
        if DENY.search(block):
            continue
        resource = RESOURCE.search(block)
        on_everything = resource is None or is_everything(value_at(block, resource.end()))
        if not on_everything:
            continue
        line_start = text.count("\n", 0, start)
        context = "\n".join(text.splitlines()[max(0, line_start - 3) : line_start]) + block
        if not REASON.search(context):
            line = text.count("\n", 0, match.start()) + 1
            what = "NotAction" if not_action else '"*" actions'
            found.append(
                f"{path}:{line}: IAM statement allows {what} on every resource without a '# wildcard-reason: ...' comment"
            )
    return found


def tf_files(paths: list[str]) -> list[Path]:
    files = []
    for arg in paths:
        p = Path(arg)
        if p.is_dir():
            files += sorted(f for f in p.rglob("*.tf") if ".terraform" not in f.parts)
        elif p.is_file():
            files.append(p)
        else:
            sys.exit(f"check_iam_wildcards: no such file or directory: {arg}")
    return files


def self_test() -> int:
    data = Path(__file__).parent / "testdata"
    expected = {"unreasoned.tf.txt": 2, "reasoned.tf.txt": 0, "scoped.tf.txt": 0}
    ok = True
    for name, count in expected.items():
        got = findings(data / name)
        if len(got) != count:
            ok = False
            print(
                f"self-test: {name}: expected {count} finding(s), got {len(got)}: {got}",
                file=sys.stderr,
            )
    print("check_iam_wildcards self-test:", "passed" if ok else "FAILED")
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    if argv == ["--self-test"]:
        return self_test()
    if not argv:
        sys.exit(__doc__)
    files = tf_files(argv)
    problems = [f for path in files for f in findings(path)]
    for problem in problems:
        print(problem, file=sys.stderr)
    print(
        f"check_iam_wildcards: {len(files)} files, {len(problems)} unexplained wildcard statement(s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
