"""git in ci.yml's container job: root works in a workspace that uid 1001 owns.

That is the condition on GitHub: the container's steps run as root, the workspace belongs to the
runner's user, and actions/checkout's safe.directory setting lives in a HOME it deletes. Here a
checkout of this tree is chowned to uid 1001, and every Make target whose recipe calls git runs
as root with a fresh, empty HOME: once without and once after the workflow's own step (its `run:`
text, read from ci.yml). A stand-in `cargo` records the GIT_SHA that the build would compile in.
"""

import os
import pathlib
import re
import shutil
import subprocess

import devtools
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
RUNNER_UID = 1001
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
RECORDING_CARGO = """#!/bin/sh
printf '%s' "${GIT_SHA-<unset>}" >>"$GIT_SHA_RECORD"
"""


def recipes():
    """Every Make target's recipe text, from the Makefile and make/*.mk."""
    found = {}
    for makefile in [ROOT / "Makefile", *sorted((ROOT / "make").glob("*.mk"))]:
        target = None
        for line in makefile.read_text().splitlines():
            rule = re.match(r"^([A-Za-z0-9_.$()-]+):", line)
            if rule:
                target = rule.group(1)
                found.setdefault(target, "")
            elif line.startswith("\t") and target:
                found[target] += line + "\n"
    return found


def git_targets():
    """Targets whose recipe runs git, directly or through $(head_sha)."""
    return sorted(t for t, text in recipes().items() if re.search(r"\bgit\b|\$\(head_sha\)", text))


def builds_with_sha(target):
    return "$(head_sha)" in recipes()[target]


def safe_directory_step(job):
    """The `run:` of the step after checkout that marks the workspace safe for git."""
    names = [step.get("uses", "").split("@")[0] or step.get("run", "") for step in job["steps"]]
    checkout = names.index("actions/checkout")
    marking = [i for i, step in enumerate(job["steps"]) if "safe.directory" in step.get("run", "")]
    assert marking, "no step marks the workspace safe.directory for git"
    assert marking[0] == checkout + 1, "the safe.directory step must follow checkout directly"
    return job["steps"][marking[0]]["run"]


def container_jobs():
    for path in WORKFLOWS:
        for name, job in yaml.safe_load(path.read_text())["jobs"].items():
            if "container" in job:
                yield path.name, name, job


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.fail("this test gives a checkout to uid 1001 and must run as root, as CI does")
    base = tmp_path_factory.mktemp("container-git")
    work = base / "workspace"
    files = subprocess.run(
        ["git", "-C", ROOT, "ls-files", "-z", "-co", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            (work / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, work / os.fsdecode(name))
    identity = ["-c", "user.name=ci", "-c", "user.email=ci@example.invalid"]
    subprocess.run(["git", "init", "-q", work], check=True)
    subprocess.run(["git", "-C", work, "add", "-A"], check=True)
    subprocess.run(["git", "-C", work, *identity, "commit", "-qm", "checkout"], check=True)
    head = subprocess.run(
        ["git", "-C", work, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    subprocess.run(["chown", "-R", f"{RUNNER_UID}:{RUNNER_UID}", work], check=True)
    bin_dir = base / "bin"
    bin_dir.mkdir()
    (bin_dir / "cargo").write_text(RECORDING_CARGO)
    (bin_dir / "cargo").chmod(0o755)
    return {"dir": work, "head": head, "bin": bin_dir}


def container_env(workspace, home):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GIT_", "SUDO_", "MAKE")) and key != "MFLAGS"
    }
    env.update(
        HOME=str(home),
        # The CI image has no system git config; this machine's must not decide the outcome.
        GIT_CONFIG_NOSYSTEM="1",
        GITHUB_WORKSPACE=str(workspace["dir"]),
        GIT_SHA_RECORD=str(home / "git-sha"),
        PATH=os.pathsep.join([str(workspace["bin"]), devtools.TOOL_PATH, env["PATH"]]),
    )
    return env


def run_target(target, env, workspace):
    return subprocess.run(
        ["make", "-C", workspace["dir"], target],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_git_targets_are_found():
    # A recipe that starts calling git is picked up here, and so runs in the tests below.
    assert {"app-build", "bench-build", "shell-lint"} <= set(git_targets())


@pytest.mark.parametrize(("workflow", "job_name", "job"), list(container_jobs()))
def test_every_container_job_marks_its_workspace_safe(workflow, job_name, job):
    assert "$GITHUB_WORKSPACE" in safe_directory_step(job)


@pytest.mark.parametrize("target", git_targets())
def test_without_the_step_git_refuses_and_the_target_fails(target, workspace, tmp_path):
    env = container_env(workspace, tmp_path)
    result = run_target(target, env, workspace)
    assert result.returncode != 0, result.stdout
    assert "dubious ownership" in result.stderr
    # No build ran with an empty or made-up commit.
    assert not (tmp_path / "git-sha").exists()


@pytest.mark.parametrize("target", git_targets())
def test_after_the_workflow_step_every_git_target_passes(target, workspace, tmp_path):
    (ci,) = [path for path in WORKFLOWS if path.name == "ci.yml"]
    step = safe_directory_step(yaml.safe_load(ci.read_text())["jobs"]["test"])
    env = container_env(workspace, tmp_path)
    subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step], env=env, check=True
    )
    result = run_target(target, env, workspace)
    assert result.returncode == 0, result.stderr
    record = tmp_path / "git-sha"
    if builds_with_sha(target):
        assert record.read_text() == workspace["head"]
