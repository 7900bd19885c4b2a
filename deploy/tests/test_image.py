"""app/Dockerfile: the checks the image build runs, executed with the shell the build uses."""

import os
import pathlib
import re
import subprocess

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "app" / "Dockerfile"


def run_instructions():
    # BuildKit joins continuation lines before it hands a RUN to /bin/sh -c.
    joined = DOCKERFILE.read_text().replace("\\\n", "")
    return [line[len("RUN ") :] for line in joined.splitlines() if line.startswith("RUN ")]


def git_sha_check():
    (check,) = [run for run in run_instructions() if run.startswith('expr "$GIT_SHA"')]
    return check


@pytest.mark.parametrize("value", ["", "unknown", "0123abc", "0123456789ABCDEF" * 2 + "01234567"])
def test_a_build_without_the_full_commit_stops(value):
    result = subprocess.run(
        ["sh", "-c", git_sha_check()],
        env={**os.environ, "GIT_SHA": value},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "is not a full commit SHA" in result.stderr


def test_a_build_with_the_full_commit_goes_on():
    sha = "0123456789abcdef" * 2 + "01234567"
    result = subprocess.run(
        ["sh", "-c", git_sha_check()], env={**os.environ, "GIT_SHA": sha}, check=False
    )
    assert result.returncode == 0


def test_the_check_runs_before_the_binary_is_built():
    runs = run_instructions()
    check = runs.index(git_sha_check())
    build = next(i for i, run in enumerate(runs) if "cargo zigbuild --release" in run)
    assert check < build


DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def pinned(name):
    for line in (ROOT / "tools" / "versions.env").read_text().splitlines():
        if line.startswith(f"{name}="):
            return line.split("=", 1)[1]
    raise AssertionError(f"{name} is not in tools/versions.env")


def dockerfile_images():
    stages = set()
    images = []
    for line in DOCKERFILE.read_text().splitlines():
        found = re.match(r"^FROM (?:--platform=\S+ )?(\S+)(?: AS (\S+))?$", line)
        if found:
            if found.group(1) not in stages:
                images.append(found.group(1))
            if found.group(2):
                stages.add(found.group(2))
    return images


def test_every_base_image_and_the_frontend_are_pinned_by_digest():
    images = dockerfile_images()
    assert len(images) == 2, images  # the Rust build image and the distroless runtime
    for image in images:
        assert DIGEST.search(image), image
    syntax = DOCKERFILE.read_text().splitlines()[0]
    assert syntax.startswith("# syntax=docker/dockerfile:")
    assert DIGEST.search(syntax), syntax


def test_the_rust_images_follow_the_pinned_toolchain():
    version = pinned("RUST_VERSION")
    assert f"ARG RUST_VERSION={version}\n" in DOCKERFILE.read_text()
    ci = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    image = ci["jobs"]["test"]["container"]["image"]
    assert image.startswith(f"rust:{version}-bookworm@sha256:"), image
    assert DIGEST.search(image)


def test_every_buildkit_that_setup_buildx_starts_is_pinned_by_digest():
    found = 0
    for path in WORKFLOWS:
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            for step in job.get("steps", []):
                if step.get("uses", "").startswith("docker/setup-buildx-action@"):
                    found += 1
                    options = step.get("with", {}).get("driver-opts", "")
                    assert re.fullmatch(r"image=moby/buildkit:v[\d.]+@sha256:[0-9a-f]{64}", options)
    assert found >= 2


def test_the_build_tools_install_only_with_their_hashes():
    text = DOCKERFILE.read_text()
    assert "--require-hashes --only-binary=:all:" in text
    assert "-r /tmp/build-requirements.txt" in text
    requirements = (ROOT / "app" / "build-requirements.txt").read_text().replace("\\\n", "")
    lines = [line for line in requirements.splitlines() if line and not line.startswith("#")]
    assert lines
    for line in lines:
        assert re.match(r"^[a-z0-9-]+==[\w.]+ ", line), line
        # A wheel for each build machine: linux x86_64 and aarch64.
        assert len(re.findall(r"--hash=sha256:[0-9a-f]{64}", line)) >= 2, line
    context = (ROOT / "app" / "Dockerfile.dockerignore").read_text().splitlines()
    assert "!app/build-requirements.txt" in context
