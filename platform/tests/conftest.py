"""Shared by the platform tests: paths, the pins, platform/platform.env and the values files."""

import os
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ROOT / "platform"
SYNC = PLATFORM / "sync.sh"
SYNC_ENV = {"CLUSTER_NAME": "demo", "AWS_REGION": "eu-west-1", "VPC_ID": "vpc-0123456789abcdef0"}


def read_env_file(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


@pytest.fixture(scope="session")
def pins() -> dict[str, str]:
    return read_env_file(ROOT / "tools/versions.env")


@pytest.fixture(scope="session")
def platform_env() -> dict[str, str]:
    return read_env_file(PLATFORM / "platform.env")


@pytest.fixture(scope="session")
def kps_values() -> dict:
    return yaml.safe_load((PLATFORM / "values/kube-prometheus-stack.yaml").read_text())


@pytest.fixture(scope="session")
def lbc_values() -> dict:
    return yaml.safe_load((PLATFORM / "values/aws-load-balancer-controller.yaml").read_text())


def run_sync(path_prefix: str | None = None, **env: str) -> subprocess.CompletedProcess:
    """platform/sync.sh with SYNC_ENV and env; optional inputs of the caller never leak in."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {*SYNC_ENV, "DRY_RUN", "MONITORING_NAMESPACE", "HELM_TIMEOUT"}
    }
    if path_prefix:
        clean["PATH"] = f"{path_prefix}:{clean['PATH']}"
    return subprocess.run(
        [str(SYNC)],
        env={**clean, **SYNC_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
