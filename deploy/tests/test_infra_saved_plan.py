"""infra.sh's saved plan on main, with a stand-in terraform and a stand-in `aws` that keeps the
state bucket's objects (and the encryption each was put with) in a folder: the plan is stored
encrypted under the state's key at the run's key, and the apply takes exactly the reviewed plan
or stops with the way to recover."""

import hashlib
import json
import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUCKET = "acme-tfstate"
KMS_KEY = "arn:aws:kms:eu-west-1:123456789012:key/0f0f0f0f-0000-4000-8000-000000000000"
BACKEND = f'bucket       = "{BUCKET}"\nkey          = "live/terraform.tfstate"\n'
BACKEND += f'region       = "eu-west-1"\nencrypt      = true\nkms_key_id   = "{KMS_KEY}"\n'
PLAN_KEY = "plans/1234-1.tfplan"
# plan writes PLAN_CONTENT to -out; apply records the sha256 of the file it was given and fails
# the way terraform does when APPLY_STALE=1.
STAND_IN_TERRAFORM = """#!/usr/bin/env bash
printf 'terraform %s\\n' "$*" >>"$CALLS"
last=${!#}
case "$2" in
  plan)
    for arg in "$@"; do [[ "$arg" == -out=* ]] && printf '%s' "$PLAN_CONTENT" >"${arg#-out=}"; done
    exit 2 ;;
  show) echo "Plan: 1 to add, 0 to change, 0 to destroy." ;;
  apply)
    sha256sum "$last" | cut -d' ' -f1 >>"$APPLIED"
    if [[ "${APPLY_STALE:-0}" == 1 ]]; then
      echo "Error: Saved plan is stale" >&2
      exit 1
    fi
    echo "Apply complete! Resources: 1 added, 0 changed, 0 destroyed." ;;
esac
"""
STAND_IN_AWS = """#!/usr/bin/env python3
import json, os, pathlib, shutil, sys

args = sys.argv[1:]
with open(os.environ["CALLS"], "a") as calls:
    calls.write("aws " + " ".join(args) + "\\n")
option = {args[i]: args[i + 1] for i in range(2, len(args) - 1) if args[i].startswith("--")}
bucket = pathlib.Path(os.environ["BUCKET_DIR"])
stored = bucket / option["--key"]
meta = stored.with_name(stored.name + ".sse.json")
if args[1] == "put-object":
    stored.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(option["--body"], stored)
    sse = {k: option.get(k) for k in ("--server-side-encryption", "--ssekms-key-id")}
    meta.write_text(json.dumps(sse))
elif args[1] == "get-object":
    if not stored.exists():
        sys.exit("An error occurred (NoSuchKey) when calling the GetObject operation: "
                 "The specified key does not exist.")
    shutil.copy(stored, args[-1])
elif args[1] == "delete-object":
    stored.unlink(missing_ok=True)
    meta.unlink(missing_ok=True)
print("{}")
"""


def tool(directory, name, text):
    (directory / name).write_text(text)
    (directory / name).chmod(0o755)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "deploy").mkdir()
    shutil.copy(ROOT / "deploy" / "infra.sh", tmp_path / "deploy" / "infra.sh")
    (tmp_path / "terraform" / "live").mkdir(parents=True)
    (tmp_path / "terraform" / "live" / "backend.hcl").write_text(BACKEND)
    (tmp_path / "bin").mkdir()
    tool(tmp_path / "bin", "terraform", STAND_IN_TERRAFORM)
    tool(tmp_path / "bin", "aws", STAND_IN_AWS)
    (tmp_path / "bucket").mkdir()
    return tmp_path


def infra(tree, command, **env):
    output = tree / f"output-{command}"
    output.unlink(missing_ok=True)
    full_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PLAN_", "TF_"))},
        "PATH": f"{tree / 'bin'}:{os.environ['PATH']}",
        "CALLS": str(tree / "calls"),
        "APPLIED": str(tree / "applied"),
        "BUCKET_DIR": str(tree / "bucket" / BUCKET),
        "PLAN_CONTENT": "the reviewed plan",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(tree / "summary.md"),
        **env,
    }
    result = subprocess.run(
        [tree / "deploy" / "infra.sh", command],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = output.read_text().splitlines() if output.exists() else []
    result.outputs = dict(line.split("=", 1) for line in lines)
    calls = tree / "calls"
    result.calls = calls.read_text().splitlines() if calls.exists() else []
    applied = tree / "applied"
    result.applied = applied.read_text().split() if applied.exists() else []
    return result


def stored(tree):
    return tree / "bucket" / BUCKET / PLAN_KEY


def planned(tree):
    result = infra(tree, "plan", PLAN_KEY=PLAN_KEY)
    assert result.returncode == 0, result.stderr
    return result


def test_the_plan_is_stored_encrypted_under_the_state_key_at_the_run_key(tree):
    result = planned(tree)
    assert stored(tree).read_text() == "the reviewed plan"
    sse = json.loads(stored(tree).with_name("1234-1.tfplan.sse.json").read_text())
    assert sse == {"--server-side-encryption": "aws:kms", "--ssekms-key-id": KMS_KEY}
    sha = hashlib.sha256(b"the reviewed plan").hexdigest()
    assert result.outputs == {"has_changes": "true", "plan_key": PLAN_KEY, "plan_sha256": sha}
    assert sha in (tree / "summary.md").read_text()
    assert any("-lock-timeout=5m" in call for call in result.calls if " plan " in call)


def test_the_apply_takes_exactly_the_reviewed_plan_and_removes_it(tree):
    sha = planned(tree).outputs["plan_sha256"]
    (tree / ".run" / "infra" / "live.tfplan").unlink()
    result = infra(tree, "apply", PLAN_KEY=PLAN_KEY, PLAN_SHA256=sha)
    assert result.returncode == 0, result.stderr
    assert result.applied == [sha]
    assert any("apply -input=false -no-color -lock-timeout=5m" in call for call in result.calls)
    assert not stored(tree).exists()


def test_a_plan_that_is_gone_stops_with_the_recovery(tree):
    result = infra(tree, "apply", PLAN_KEY=PLAN_KEY, PLAN_SHA256="ab" * 32)
    assert result.returncode == 1
    assert "is gone" in result.stderr
    assert "Run workflow" in result.stderr
    assert result.applied == []


def test_a_replaced_plan_is_refused(tree):
    sha = planned(tree).outputs["plan_sha256"]
    stored(tree).write_text("a plan nobody reviewed")
    result = infra(tree, "apply", PLAN_KEY=PLAN_KEY, PLAN_SHA256=sha)
    assert result.returncode == 1
    assert "that the plan job showed" in result.stderr
    assert result.applied == []


def test_without_the_reviewed_sha256_nothing_is_applied(tree):
    planned(tree)
    result = infra(tree, "apply", PLAN_KEY=PLAN_KEY, PLAN_SHA256="")
    assert result.returncode == 1
    assert "PLAN_SHA256" in result.stderr
    assert result.applied == []


def test_a_stale_plan_stops_with_the_recovery_and_is_removed(tree):
    sha = planned(tree).outputs["plan_sha256"]
    result = infra(tree, "apply", PLAN_KEY=PLAN_KEY, PLAN_SHA256=sha, APPLY_STALE="1")
    assert result.returncode == 1
    assert "the state changed after this plan was made" in result.stderr
    assert "Run workflow" in result.stderr
    assert not stored(tree).exists()


def test_a_plan_is_never_stored_without_the_state_key(tree):
    (tree / "terraform" / "live" / "backend.hcl").write_text(f'bucket = "{BUCKET}"\n')
    result = infra(tree, "plan", PLAN_KEY=PLAN_KEY)
    assert result.returncode == 1
    assert "kms_key_id" in result.stderr
    assert not stored(tree).exists()


@pytest.mark.parametrize(
    "key", ["../state.tfstate", "live/terraform.tfstate", "plans/a/../../x.tfplan"]
)
def test_a_plan_key_outside_plans_is_refused(tree, key):
    result = infra(tree, "plan", PLAN_KEY=key)
    assert result.returncode == 1
    assert "PLAN_KEY" in result.stderr


def test_the_pull_request_plan_takes_no_lock_and_stores_nothing(tree):
    result = infra(tree, "preview", PLAN_KEY=PLAN_KEY)
    assert result.returncode == 0, result.stderr
    (plan,) = [call for call in result.calls if " plan " in call]
    assert "-lock=false" in plan
    assert not any(call.startswith("aws ") for call in result.calls)
