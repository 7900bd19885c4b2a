"""rollback.sh against a stand-in helm that keeps a release's revisions in a file, the way helm
keeps them in the cluster: what is left running after a rollback of a later release, of the
first release, and when there is no release at all."""

import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ROLLBACK = ROOT / "deploy" / "rollback.sh"
# history/rollback/uninstall act on $RELEASES (a JSON list of revisions, absent = no release).
STAND_IN_HELM = """#!/usr/bin/env python3
import json, os, pathlib, sys

args = sys.argv[1:]
with open(os.environ["CALLS"], "a") as calls:
    calls.write("helm " + " ".join(args) + "\\n")
store = pathlib.Path(os.environ["RELEASES"])
if not store.exists():
    sys.exit("Error: release: not found")
revisions = json.loads(store.read_text())
if args[0] == "history":
    print(json.dumps(revisions))
elif args[0] == "rollback":
    if len(revisions) < 2:
        sys.exit("Error: release has no 0 version")
    previous = revisions[-2]
    for revision in revisions:
        revision["status"] = "superseded"
    number = revisions[-1]["revision"] + 1
    revisions.append({**previous, "revision": number, "status": "deployed"})
    store.write_text(json.dumps(revisions))
elif args[0] == "uninstall":
    store.unlink()
"""


def revision(number, image, status):
    return {"revision": number, "status": status, "app_version": image}


@pytest.fixture
def rollback(tmp_path):
    helm = tmp_path / "helm"
    helm.write_text(STAND_IN_HELM)
    helm.chmod(0o755)
    releases = tmp_path / "releases.json"

    def run(history, **overrides):
        if history is not None:
            releases.write_text(json.dumps(history))
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("NAMESPACE", "RELEASE")},
            "PATH": f"{tmp_path}:{os.environ['PATH']}",
            "CALLS": str(tmp_path / "calls"),
            "RELEASES": str(releases),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
            **overrides,
        }
        result = subprocess.run(
            [ROLLBACK], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        result.releases = json.loads(releases.read_text()) if releases.exists() else None
        calls = tmp_path / "calls"
        result.calls = calls.read_text().splitlines() if calls.exists() else []
        summary = tmp_path / "summary.md"
        result.summary = summary.read_text() if summary.exists() else ""
        return result

    return run


def test_a_later_release_goes_back_to_the_previous_revision(rollback):
    result = rollback([revision(1, "good", "superseded"), revision(2, "bad", "deployed")])
    assert result.returncode == 0, result.stderr
    assert "helm rollback webapp 0 --namespace webapp --wait --timeout 10m" in result.calls
    assert result.releases[-1] == revision(3, "good", "deployed")
    assert "Rolled back webapp" in result.summary


def test_the_first_release_is_uninstalled_with_a_clear_message(rollback):
    result = rollback([revision(1, "bad", "deployed")])
    assert result.returncode == 0, result.stderr
    assert "no earlier revision to roll back to" in result.stdout
    assert not any(call.startswith("helm rollback") for call in result.calls)
    assert "helm uninstall webapp --namespace webapp --wait --timeout 10m" in result.calls
    assert result.releases is None
    assert "first release" in result.summary


def test_no_release_means_nothing_to_undo(rollback):
    result = rollback(None)
    assert result.returncode == 0, result.stderr
    assert "nothing to roll back" in result.stdout
    assert result.calls == ["helm history webapp --namespace webapp -o json"]


def test_a_history_that_cannot_be_read_fails(rollback, tmp_path):
    broken = tmp_path / "helm"
    broken.write_text("#!/bin/sh\necho 'Error: Kubernetes cluster unreachable' >&2\nexit 1\n")
    result = rollback(None)
    assert result.returncode == 2
    assert "cluster unreachable" in result.stderr
    assert "could not read the history" in result.stderr


def test_bad_input_is_refused_before_helm_runs(rollback):
    result = rollback([revision(1, "good", "deployed")], NAMESPACE="Not_A_Namespace")
    assert result.returncode == 2
    assert "NAMESPACE" in result.stderr
    assert result.calls == []
