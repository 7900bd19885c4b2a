"""Apply a Terraform root on the emulator: apply, an empty re-plan, outputs, destroy, leftovers.

Each root runs in a temporary copy of terraform/ (so relative module sources resolve) with the
test-only files of overrides/ added; the roots themselves are never changed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import devtools
import emulator

HERE = Path(__file__).resolve().parent
TERRAFORM_DIR = HERE.parent
OVERRIDES = HERE / "overrides"
PLACEHOLDER = "EMULATOR_ENDPOINT"

Check = Callable[[dict, str], None]


@dataclass
class Step:
    """One apply on the root's state: its variables, and what its outputs must show."""

    variables: dict = field(default_factory=dict)
    check: Check | None = None


@dataclass
class Root:
    """A root config under test: its path under terraform/ and the applies it goes through."""

    name: str
    path: str
    steps: Sequence[Step] = (Step(),)
    # Resources moto implements, when the root also holds some it does not.
    targets: Sequence[str] = ()
    # Extra test-only files from overrides/, copied next to the provider override.
    overrides: Sequence[str] = ()


LAST_TIMINGS: list = []


class TerraformError(AssertionError):
    pass


class Workspace:
    """A temporary copy of terraform/ with the emulator overrides in one root."""

    def __init__(self, root: Root, endpoint: str, tmp: Path):
        self.root = root
        self.timings: list[tuple[str, float]] = []
        self.endpoint = endpoint
        copy = tmp / root.name / "terraform"
        shutil.copytree(
            TERRAFORM_DIR,
            copy,
            ignore=shutil.ignore_patterns(
                ".terraform", "*.tfstate", "*.tfstate.*", "__pycache__", ".pytest_cache"
            ),
        )
        self.dir = copy / root.path
        self.dir.mkdir(parents=True, exist_ok=True)
        self.tmp = copy.parent
        for name in ("provider_override.tf", *root.overrides):
            self._write(OVERRIDES / name, self.dir / f"emulator_{name}")
        self.env = {
            **os.environ,
            **emulator.FAKE_CREDENTIALS,
            "AWS_REGION": emulator.REGION,
            "TF_CLI_CONFIG_FILE": str(devtools.TERRAFORM_RC),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
        }
        self.env.pop("AWS_PROFILE", None)

    def _write(self, template: Path, target: Path) -> Path:
        target.write_text(template.read_text().replace(PLACEHOLDER, self.endpoint))
        return target

    def run(self, *args: str, ok: Sequence[int] = (0,)) -> subprocess.CompletedProcess:
        started = time.monotonic()
        proc = subprocess.run(
            ["terraform", f"-chdir={self.dir}", *args],
            env=self.env,
            capture_output=True,
            text=True,
        )
        self.timings.append((args[0], round(time.monotonic() - started, 1)))
        if proc.returncode not in ok:
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-60:])
            raise TerraformError(
                f"terraform {args[0]} in {self.root.name} exited {proc.returncode}:\n{tail}"
            )
        return proc

    def init(self, backend_configs: Sequence[str] = ()) -> None:
        args = ["init", "-input=false", "-no-color"]
        if (self.dir / ".terraform.lock.hcl").exists():
            # Roots commit their lock file; the emulator run must use it, not rewrite it.
            args.append("-lockfile=readonly")
        if not backend_configs:
            args.append("-backend=false") if self._has_backend() else None
        for text in backend_configs:
            path = self.tmp / f"backend-{len(list(self.tmp.glob('backend-*')))}.tfbackend"
            path.write_text(text.replace(PLACEHOLDER, self.endpoint))
            args.append(f"-backend-config={path}")
        self.run(*args)

    def _has_backend(self) -> bool:
        return any('backend "' in p.read_text() for p in self.dir.glob("*.tf"))

    def _var_args(self, variables: dict, targeted: bool = True) -> list[str]:
        path = self.tmp / f"{self.root.name}.tfvars.json"
        path.write_text(json.dumps(variables))
        targets = [f"-target={t}" for t in self.root.targets] if targeted else []
        return [f"-var-file={path}", *targets, "-input=false", "-no-color"]

    def apply(self, variables: dict) -> None:
        self.run("apply", "-auto-approve", *self._var_args(variables))

    def plan_changes(self, variables: dict) -> str | None:
        """None when the plan is empty, else the plan output."""
        proc = self.run("plan", "-detailed-exitcode", *self._var_args(variables), ok=(0, 2))
        return None if proc.returncode == 0 else proc.stdout

    def outputs(self) -> dict:
        raw = json.loads(self.run("output", "-json").stdout)
        return {name: value["value"] for name, value in raw.items()}

    def destroy(self, variables: dict) -> None:
        args = self._var_args(variables, targeted=False)
        if self.root.targets:
            # Every resource in the state, by address: targeting only the original targets
            # would keep their dependencies, and no targets at all would evaluate the parts
            # that were left out (and may not even validate on the emulator).
            listed = self.run("state", "list").stdout.splitlines()
            args += [f"-target={a}" for a in listed if not re.match(r"(module\.[^.]+\.)*data\.", a)]
        self.run("destroy", "-auto-approve", *args)


def converge(workspace: Workspace) -> dict:
    """Every step of the root applied in turn on one state, each followed by an empty plan and
    its output checks. Returns the variables of the last step (what destroy must use)."""
    variables: dict = {}
    for number, step in enumerate(workspace.root.steps, 1):
        variables = step.variables
        workspace.apply(variables)
        diff = workspace.plan_changes(variables)
        if diff is not None:
            raise TerraformError(
                f"{workspace.root.name} step {number} {variables}: the plan after apply is not "
                f"empty (a perpetual diff):\n{diff}"
            )
        if step.check:
            step.check(workspace.outputs(), workspace.endpoint)
    return variables


def assert_nothing_left(endpoint: str, before: set[str], name: str) -> None:
    left = emulator.leftovers(endpoint, before)
    if left:
        raise TerraformError(f"{name}: destroy left behind:\n  " + "\n  ".join(left))


def cycle(root: Root, endpoint: str, tmp: Path, before_destroy: Callable | None = None) -> None:
    """apply -> empty plan -> outputs (per step) -> destroy -> nothing left in the emulator."""
    emulator.reset(endpoint)
    before = emulator.inventory(endpoint)
    workspace = Workspace(root, endpoint, tmp)
    LAST_TIMINGS[:] = [workspace.timings]
    workspace.init()
    variables = converge(workspace)
    if before_destroy:
        before_destroy(workspace)
    workspace.destroy(variables)
    assert_nothing_left(endpoint, before, root.name)
