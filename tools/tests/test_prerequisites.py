"""tools/prerequisites.sh names every missing prerequisite with the command that adds it.

Each case runs the script with a PATH holding only the tools the case gives it (real ones,
linked, and a stand-in rustc reporting a version) and its own os-release file.
"""

import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "prerequisites.sh"
RUST = next(
    line.split("=", 1)[1]
    for line in (ROOT / "tools/versions.env").read_text().splitlines()
    if line.startswith("RUST_VERSION=")
)
# What the script itself runs.
BASE = ("bash", "dirname", "sed", "tr", "cut", "python3")
DEBIAN_12 = 'ID=debian\nVERSION_ID="12"\n'


def run(tmp_path, mode, tools, os_release=DEBIAN_12, rust=RUST):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in (*BASE, *tools):
        if tool in ("rustup", "rustc"):
            (bin_dir / tool).write_text(f"#!/bin/sh\necho '{tool} {rust} (stand-in)'\n")
            (bin_dir / tool).chmod(0o755)
        elif not (bin_dir / tool).exists():
            real = shutil.which(tool) or "/bin/true"
            (bin_dir / tool).symlink_to(real)
    release = tmp_path / "os-release"
    release.write_text(os_release)
    return subprocess.run(
        ["bash", str(SCRIPT), mode],
        env={"PATH": str(bin_dir), "OS_RELEASE": str(release), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


UP = ("apt-get", "git", "cc", "rustup", "rustc")


def test_make_up_needs_neither_terraform_nor_the_scanners(tmp_path):
    result = run(tmp_path, "up", UP)
    assert result.returncode == 0, result.stderr
    assert "all present" in result.stdout
    # The full test suite does need them, and says how to get them.
    result = run(tmp_path, "test", UP)
    assert result.returncode == 1
    assert "Terraform" in result.stderr
    assert "npm" in result.stderr


@pytest.mark.parametrize(
    ("left_out", "named"),
    [
        ("cc", "a C toolchain (cc, for the service's build): sudo apt-get install build-essential"),
        ("git", "git: sudo apt-get install git"),
        ("rustup", f"rustup with Rust {RUST}"),
        ("apt-get", "apt-get"),
    ],
)
def test_each_missing_tool_is_named_with_its_fix(tmp_path, left_out, named):
    result = run(tmp_path, "up", [t for t in UP if t != left_out])
    assert result.returncode == 1
    assert named in result.stderr


def test_every_missing_piece_is_listed_at_once(tmp_path):
    result = run(tmp_path, "up", ("apt-get", "rustup", "rustc"))
    assert result.returncode == 1
    assert "git:" in result.stderr
    assert "C toolchain" in result.stderr


def test_another_rust_version_is_named(tmp_path):
    result = run(tmp_path, "up", UP, rust="1.80.0")
    assert result.returncode == 1
    assert f"rustup toolchain install {RUST}" in result.stderr


def test_the_debian_release_is_named(tmp_path):
    result = run(tmp_path, "up", UP, os_release='ID=ubuntu\nVERSION_ID="24.04"\n')
    assert result.returncode == 1
    assert "Debian 12 or 13: this is ubuntu 24.04" in result.stderr


def test_operating_names_the_aws_and_github_clis(tmp_path):
    result = run(tmp_path, "operate", UP)
    assert result.returncode == 1
    assert "the AWS CLI" in result.stderr
    assert "the GitHub CLI (gh)" in result.stderr
