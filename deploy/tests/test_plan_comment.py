"""plan_comment.py: the comment body, its truncation, and the find-then-edit logic against a
recording stand-in for `gh`, so a pull request keeps exactly one plan comment."""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))

import plan_comment  # noqa: E402  (the script lives outside any package)

SCRIPT = ROOT / "deploy" / "plan_comment.py"
MARKER = "<!-- terraform-plan:live -->"
PLAN = "\n".join(
    [
        "Terraform will perform the following actions:",
        *[
            f'  # aws_s3_object.o[{i}] will be created\n  + resource "aws_s3_object" "o" {{ key = "{i}" }}'
            for i in range(2000)
        ],
        "",
        "Plan: 2000 to add, 0 to change, 0 to destroy.",
    ]
)
# Logs each call as a JSON line {argv, stdin}; answers the comment listing from $COMMENTS.
RECORDING_GH = f"""#!{sys.executable}
import json, os, sys
stdin = sys.stdin.read() if "--input" in sys.argv else ""
with open(os.environ["CALLS"], "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "stdin": stdin}}) + "\\n")
print(open(os.environ["COMMENTS"]).read() if "--paginate" in sys.argv else "{{}}")
"""


class TestBody:
    def test_short_plan_is_shown_whole(self):
        body = plan_comment.build_body(
            "No changes. Your infrastructure matches the configuration.",
            "live",
            "success",
            "https://run",
            60000,
            "the summary",
        )
        assert body.startswith(MARKER + "\n")
        assert "`No changes. Your infrastructure matches the configuration.`" in body
        assert "Truncated" not in body

    def test_long_plan_is_cut_at_a_line_and_keeps_its_summary_line(self):
        body = plan_comment.build_body(PLAN, "live", "success", "https://run", 60000, "the summary")
        assert len(body) < 65536
        assert "`Plan: 2000 to add, 0 to change, 0 to destroy.`" in body
        assert f"of {len(PLAN)} characters. The full plan is in the summary: https://run" in body
        shown = body.split("```\n", 1)[1].split("\n```", 1)[0]
        assert PLAN.startswith(shown + "\n")

    def test_failed_plan_leads_with_the_error(self):
        log = "Initializing...\nError: No valid credential sources found\n\nError: second"
        body = plan_comment.build_body(log, "live", "failure", "https://run", 60000, "x")
        assert "**failure**" in body
        assert "`Error: No valid credential sources found`" in body

    def test_backticks_in_the_headline_become_quotes(self):
        body = plan_comment.build_body(
            "Error: Unsupported argument `foo`", "live", "failure", "https://run", 60000, "x"
        )
        assert "`Error: Unsupported argument 'foo'`" in body

    def test_backticks_in_the_plan_cannot_close_the_fence(self):
        text = 'value = "```"\nPlan: 1 to add, 0 to change, 0 to destroy.'
        body = plan_comment.build_body(text, "live", "success", "https://run", 60000, "x")
        assert "````\n" + text + "\n````" in body


class TestPublish:
    def setup_method(self):
        self.work = pathlib.Path(tempfile.mkdtemp(prefix="plan-comment-test-"))
        gh = self.work / "gh"
        gh.write_text(RECORDING_GH)
        gh.chmod(0o755)
        self.plan = self.work / "plan.txt"
        self.plan.write_text(PLAN + "\n")
        self.summary = self.work / "summary.md"
        self.calls = self.work / "calls"
        self.comments = self.work / "comments.json"

    def teardown_method(self):
        shutil.rmtree(self.work)

    def publish(self, pages, *extra):
        self.comments.write_text(json.dumps(pages))
        env = {
            **os.environ,
            "GH": str(self.work / "gh"),
            "CALLS": str(self.calls),
            "COMMENTS": str(self.comments),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_REPOSITORY": "acme/devops-eks",
            "PR_NUMBER": "42",
            "PLAN_OUTCOME": "success",
        }
        result = subprocess.run(
            [sys.executable, str(SCRIPT), "--plan", str(self.plan), *extra],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        calls = (
            [json.loads(line) for line in self.calls.read_text().splitlines()]
            if self.calls.exists()
            else []
        )
        return result, calls

    def test_first_plan_creates_the_comment(self):
        human = {"id": 1, "user": {"login": "octocat"}, "body": MARKER + " quoted by a human"}
        result, calls = self.publish([[human]])
        assert result.returncode == 0, result.stderr
        assert [c["argv"][:4] for c in calls] == [
            ["api", "--paginate", "--slurp", "repos/acme/devops-eks/issues/42/comments"],
            ["api", "--method", "POST", "repos/acme/devops-eks/issues/42/comments"],
        ]
        posted = json.loads(calls[1]["stdin"])["body"]
        assert posted.startswith(MARKER)
        assert len(posted) < 65536

    def test_later_plans_edit_the_bots_comment(self):
        other = {"id": 5, "user": {"login": "github-actions[bot]"}, "body": "<!-- other -->"}
        ours = {"id": 9, "user": {"login": "github-actions[bot]"}, "body": MARKER + "\nold"}
        result, calls = self.publish([[other], [ours]])
        assert result.returncode == 0, result.stderr
        assert calls[1]["argv"][:4] == [
            "api",
            "--method",
            "PATCH",
            "repos/acme/devops-eks/issues/comments/9",
        ]
        assert len(calls) == 2
        assert "updated" in result.stdout

    def test_summary_gets_the_whole_plan(self):
        result, _ = self.publish([[]])
        assert result.returncode == 0, result.stderr
        summary = self.summary.read_text()
        assert PLAN in summary
        assert "Truncated" not in summary

    def test_without_a_pull_request_only_the_summary_is_written(self):
        self.comments.write_text("[]")
        env = {
            **os.environ,
            "GH": str(self.work / "gh"),
            "CALLS": str(self.calls),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "PR_NUMBER": "",
        }
        result = subprocess.run(
            [sys.executable, str(SCRIPT), "--plan", str(self.plan)],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert not self.calls.exists()
        assert "Plan: 2000 to add" in self.summary.read_text()

    def test_a_failing_gh_fails_the_step(self):
        (self.work / "gh").write_text(
            "#!/usr/bin/env bash\necho 'HTTP 403: Resource not accessible' >&2\nexit 1\n"
        )
        result, _ = self.publish([[]])
        assert result.returncode == 1
        assert "HTTP 403" in result.stderr

    def test_a_missing_plan_file_is_reported(self):
        self.plan.unlink()
        result, _ = self.publish([[]])
        assert result.returncode == 2
        assert "cannot read the plan" in result.stderr
