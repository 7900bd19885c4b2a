#!/usr/bin/env python3
"""Publish a Terraform plan: the full text to the job summary, a short form to ONE PR comment.

The PR comment is found again by a hidden marker and edited in place, so a pull request keeps a
single, current plan comment however often it is pushed. Only comments written by the workflow
bot are considered, so nobody can hijack the marker from a normal comment.
GitHub caps a comment at 65536 characters, so the comment carries the head of a long plan,
its "Plan: ..." line, and a pointer to the summary and artifact that hold all of it.
"""

import argparse
import json
import os
import re
import subprocess
import sys

COMMENT_LIMIT = 60000  # GitHub rejects comments over 65536 characters; leave room for the frame
SUMMARY_LIMIT = 900000  # a step summary may hold 1 MiB
BOT_LOGIN = "github-actions[bot]"
SUMMARY_LINE = re.compile(r"^(Plan: .*|No changes\..*|Error: .*)$", re.M)


def marker(stack):
    return f"<!-- terraform-plan:{stack} -->"


def fence_for(text):
    """A code fence longer than any backtick run inside the text, so the text cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def truncate(text, limit):
    """(text cut at a line boundary to fit limit, whether it was cut)."""
    if len(text) <= limit:
        return text, False
    cut = text.rfind("\n", 0, limit)
    return text[: cut if cut > 0 else limit], True


def headline(plan_text):
    """The line a reviewer needs first: the plan's summary, or its first error."""
    found = SUMMARY_LINE.findall(plan_text)
    errors = [line for line in found if line.startswith("Error: ")]
    if errors:
        return errors[0]
    return found[-1] if found else "No summary line found in the plan output."


def build_body(plan_text, stack, outcome, run_url, limit, full_plan_at):
    shown, cut = truncate(plan_text, limit)
    fence = fence_for(shown)
    status = "succeeded" if outcome == "success" else f"**{outcome}**"
    # Inline code cannot hold a backtick, so the headline gets plain quotes instead.
    summary = headline(plan_text).replace("`", "'")
    lines = [
        marker(stack),
        f"### Terraform plan for `{stack}`: {status}",
        "",
        f"`{summary}`",
        "",
        "<details><summary>Show plan</summary>",
        "",
        fence,
        shown,
        fence,
        "",
        "</details>",
        "",
    ]
    if cut:
        lines.append(
            f"Truncated to {len(shown)} of {len(plan_text)} characters. The full plan is "
            f"in {full_plan_at}: {run_url}"
        )
    else:
        lines.append(f"Run: {run_url}")
    return "\n".join(lines) + "\n"


def gh_api(gh, args, stdin=None):
    result = subprocess.run(
        [gh, "api", *args], input=stdin, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"gh api {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def find_comment(gh, repo, pr, stack):
    pages = json.loads(gh_api(gh, ["--paginate", "--slurp", f"repos/{repo}/issues/{pr}/comments"]))
    for comment in (c for page in pages for c in page):
        if comment["user"]["login"] == BOT_LOGIN and comment["body"].startswith(marker(stack)):
            return comment["id"]
    return None


def upsert_comment(gh, repo, pr, stack, body):
    """Edit this stack's plan comment if the PR has one, else create it. Returns the action."""
    payload = json.dumps({"body": body})
    existing = find_comment(gh, repo, pr, stack)
    if existing is None:
        gh_api(
            gh, ["--method", "POST", f"repos/{repo}/issues/{pr}/comments", "--input", "-"], payload
        )
        return "created"
    gh_api(
        gh,
        ["--method", "PATCH", f"repos/{repo}/issues/comments/{existing}", "--input", "-"],
        payload,
    )
    return "updated"


def parse_args(argv):
    env = os.environ
    server = env.get("GITHUB_SERVER_URL", "https://github.com")
    default_run = (
        f"{server}/{env.get('GITHUB_REPOSITORY', '')}/actions/runs/{env.get('GITHUB_RUN_ID', '')}"
    )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", required=True, help="file with the plan text (terraform show)")
    parser.add_argument("--stack", default="live", help="stack name, part of the marker")
    parser.add_argument(
        "--outcome",
        default=env.get("PLAN_OUTCOME", "success"),
        help="plan step outcome (env PLAN_OUTCOME)",
    )
    parser.add_argument(
        "--pr",
        default=env.get("PR_NUMBER", ""),
        help="pull request number; no comment without it (env PR_NUMBER)",
    )
    parser.add_argument("--repo", default=env.get("GITHUB_REPOSITORY", ""), help="owner/name")
    parser.add_argument("--run-url", default=default_run, help="link to the workflow run")
    parser.add_argument(
        "--summary",
        default=env.get("GITHUB_STEP_SUMMARY", ""),
        help="job summary file to append the full plan to",
    )
    parser.add_argument(
        "--limit", type=int, default=COMMENT_LIMIT, help="maximum plan characters in the comment"
    )
    args = parser.parse_args(argv)
    if args.pr and not (args.pr.isdigit() and re.match(r"^[\w.-]+/[\w.-]+$", args.repo)):
        parser.error(f"--pr must be a number and --repo owner/name, got {args.pr!r}, {args.repo!r}")
    if not 0 < args.limit <= COMMENT_LIMIT:
        parser.error(f"--limit must be in (0, {COMMENT_LIMIT}]")
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        with open(args.plan, encoding="utf-8", errors="replace") as handle:
            plan_text = handle.read().rstrip("\n")
    except OSError as err:
        print(f"plan-comment: cannot read the plan: {err}", file=sys.stderr)
        return 2
    if args.summary:
        with open(args.summary, "a", encoding="utf-8") as summary:
            summary.write(
                build_body(
                    plan_text,
                    args.stack,
                    args.outcome,
                    args.run_url,
                    SUMMARY_LIMIT,
                    "the run's plan artifact",
                )
            )
    if args.pr:
        try:
            action = upsert_comment(
                os.environ.get("GH", "gh"),
                args.repo,
                args.pr,
                args.stack,
                build_body(
                    plan_text,
                    args.stack,
                    args.outcome,
                    args.run_url,
                    args.limit,
                    "the job summary and the plan artifact",
                ),
            )
        except RuntimeError as err:
            print(f"plan-comment: {err}", file=sys.stderr)
            return 1
        print(f"plan-comment: {action} the plan comment on {args.repo}#{args.pr}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
