"""The workflows' `paths` filters against the files their steps actually read.

Each workflow's Make targets are expanded by make itself (`make -n`); every repository file a
command names, every file a script names through its `$root/...` paths, and every target a
script runs with `make -C "$root"` is followed. Directories stand for every tracked file in them.
The image build reads app/Dockerfile and the build context its allow-list lets through. Each
file found must match the workflow's `paths`, or a change to it would reach production (or the
live infrastructure) without the workflow running.
"""

import pathlib
import re
import subprocess

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
SCRIPT_PATH = re.compile(r'\$(?:root|\{root\}|\(ROOT\))"?/([A-Za-z0-9_.][A-Za-z0-9_./-]*)')
MAKE_IN_ROOT = re.compile(r'make -C "?\$root"? ([a-z0-9-]+)')


def workflow(name):
    return yaml.safe_load((WORKFLOWS / name).read_text())


def triggers(document):
    # PyYAML reads the key `on` as True (YAML 1.1).
    return document.get("on", document.get(True))


def tracked():
    listing = subprocess.run(
        ["git", "-C", ROOT, "ls-files", "-co", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    return [name for name in listing if name and (ROOT / name).is_file()]


def expand(path):
    """A repository path, or every tracked file under a directory."""
    if (ROOT / path).is_dir():
        return {name for name in tracked() if name.startswith(path.rstrip("/") + "/")}
    return {path} if (ROOT / path).is_file() else set()


def makefiles():
    return {
        "Makefile",
        "tools/versions.env",
        *(f"make/{p.name}" for p in (ROOT / "make").glob("*.mk")),
    }


def files_of_target(target, seen):
    if target in seen:
        return set()
    seen.add(target)
    commands = subprocess.run(
        ["make", "-n", "-C", ROOT, target], capture_output=True, text=True, check=True
    ).stdout
    found = set(makefiles())
    root = re.escape(str(ROOT))
    for path in re.findall(root + r"/([A-Za-z0-9_.][A-Za-z0-9_./-]*)", commands):
        found |= files_of_script(path.rstrip("/"), seen)
    return found


def files_of_script(path, seen):
    found = expand(path)
    for name in list(found):
        if name.endswith((".sh", ".py")):
            text = (ROOT / name).read_text()
            for referenced in SCRIPT_PATH.findall(text):
                found |= expand(referenced.rstrip("/"))
            for target in MAKE_IN_ROOT.findall(text):
                found |= files_of_target(target, seen)
    return found


def files_of_steps(jobs):
    found = set()
    seen = set()
    for job in jobs.values():
        for step in job.get("steps", []):
            run = step.get("run", "")
            for target in re.findall(r"^make ([a-z0-9-]+)", run, re.MULTILINE):
                found |= files_of_target(target, seen)
            for script in re.findall(
                r"^((?:tools|deploy|platform)/[\w./-]+\.(?:sh|py))", run, re.M
            ):
                found |= files_of_script(script, seen)
            if "tools/versions.env" in run:
                found.add("tools/versions.env")
    return found


def image_build_context():
    """app/Dockerfile's context: its .dockerignore is an allow-list ('*', then '!path')."""
    allowed = [
        line[1:]
        for line in (ROOT / "app" / "Dockerfile.dockerignore").read_text().splitlines()
        if line.startswith("!")
    ]
    context = {
        name
        for name in tracked()
        if any(name == a or (a.endswith("/") and name.startswith(a)) for a in allowed)
    }
    return context | {"app/Dockerfile", "app/Dockerfile.dockerignore"}


def matches(name, patterns):
    def regex(pattern):
        parts = re.split(r"(\*\*|\*|\?)", pattern)
        table = {"**": ".*", "*": "[^/]*", "?": "[^/]"}
        return "".join(table.get(part, re.escape(part)) for part in parts)

    return any(re.fullmatch(regex(p), name) for p in patterns)


def uncovered(files, patterns):
    return sorted(name for name in files if not matches(name, patterns))


def test_the_pattern_matching_follows_github():
    assert matches("make/app.mk", ["make/**"])
    assert matches("charts/webapp/templates/a.yaml", ["charts/**"])
    assert not matches("charts/webapp/a.yaml", ["charts/*"])
    assert not matches("Makefile.bak", ["Makefile"])


def test_app_runs_for_everything_its_build_and_deploy_read():
    app = workflow("app.yml")
    paths = triggers(app)["push"]["paths"]
    needed = files_of_steps(app["jobs"]) | image_build_context()
    needed |= {".github/workflows/app.yml", ".github/workflows/ci.yml"}
    assert {"deploy/deploy.sh", "charts/webapp/Chart.yaml", "platform/sync.sh"} <= needed
    assert uncovered(needed, paths) == []


@pytest.mark.parametrize("event", ["pull_request", "push"])
def test_infra_runs_for_everything_its_terraform_steps_read(event):
    infra = workflow("infra.yml")
    paths = triggers(infra)[event]["paths"]
    needed = files_of_steps(infra["jobs"]) | {".github/workflows/infra.yml"}
    assert {"deploy/infra.sh", "terraform/live/main.tf"} <= needed
    assert uncovered(needed, paths) == []


def test_a_push_to_main_runs_make_test_once():
    # app.yml calls ci.yml as its test stage; ci.yml on its own runs for pull requests.
    ci_on = triggers(workflow("ci.yml"))
    assert "push" not in ci_on
    assert "pull_request" in ci_on
    app = workflow("app.yml")
    assert app["jobs"]["test"]["uses"] == "./.github/workflows/ci.yml"
