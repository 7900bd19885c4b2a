"""Shared by the chart's checks: where things are, the values profiles, and rendering with helm."""

import functools
import pathlib
import subprocess
import sys

import yaml

TESTS = pathlib.Path(__file__).resolve().parent
CHART = TESTS.parent
ROOT = CHART.parents[1]
sys.path.insert(0, str(ROOT / "tools"))
# chart.py turns ToolError into its exit message.
from devtools import ToolError, find_tool  # noqa: E402, F401

RELEASE = "webapp"
NAMESPACE = "webapp"
KUBERNETES_VERSIONS = ("1.34.0", "1.35.0", "1.36.0", "1.37.0")

# Each profile: the values files layered on values.yaml, and checkov settings for its render.
# The eks profiles add what a deploy passes in (image digest, target group ARN, subnet CIDRs).
PROFILES = {
    "eks": {"values": ["ci/eks-deploy-values.yaml"]},
    "eks-load-balancer-service": {
        "values": ["ci/eks-deploy-values.yaml", "ci/load-balancer-service-values.yaml"],
    },
    "eks-all-options": {"values": ["ci/eks-deploy-values.yaml", "ci/all-options-values.yaml"]},
    "local": {"values": ["values-local.yaml"], "checkov_config": "ci/checkov-local.yaml"},
}


class RenderError(Exception):
    """helm refused the values; the message is helm's error output."""


def profile_args(profile):
    args = []
    for values_file in PROFILES[profile]["values"]:
        args += ["-f", str(CHART / values_file)]
    return args


def helm(*args):
    result = subprocess.run(
        [find_tool("helm"), *args], capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        # helm lint reports its findings on stdout, helm template on stderr.
        raise RenderError(
            "\n".join(text.strip() for text in (result.stdout, result.stderr) if text.strip())
        )
    return result.stdout


@functools.cache
def render_text(profile, *overrides):
    """helm template for a profile; overrides are extra helm arguments such as --set k=v."""
    return helm(
        "template",
        RELEASE,
        str(CHART),
        "--namespace",
        NAMESPACE,
        *profile_args(profile),
        *overrides,
    )


@functools.cache
def render(profile, *overrides):
    """The rendered objects; cached, so callers must not modify them."""
    return tuple(
        doc
        for doc in yaml.load_all(render_text(profile, *overrides), Loader=yaml.CSafeLoader)
        if doc
    )


def values(profile):
    """The merged values of a profile, as helm computes them."""
    merged = {}
    for values_file in ["values.yaml", *PROFILES[profile]["values"]]:
        merge(merged, yaml.safe_load((CHART / values_file).read_text()) or {})
    return merged


def merge(base, overlay):
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base
