"""Every image the platform and the app run comes from a registry the nodes can reach.

Each mode is deployed the way the workflow deploys it: `platform/sync.sh` and `deploy/deploy.sh`
under DRY_RUN=1, with the environment `make gh-vars` gives that mode (IMAGE_REGISTRY_CACHE only
without NAT). The app chart is rendered with helm and every container and init container is
read. The upstream platform charts cannot be vendored or downloaded here, so their images come
from platform/registry_cache.py's table of each chart's image values (checked by hand against
the pinned charts), overlaid with every values file the sync passes, in order.

Reachable: with NAT, any registry; without NAT, only the account's regional ECR registry through
the ecr.api/ecr.dkr endpoints: the app's repository, and the pull-through cache's namespaces.
"""

import importlib.util
import json
import os
import pathlib
import re
import shlex
import subprocess

import devtools
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
ACCOUNT_REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
CACHE_MODULE = ROOT / "terraform" / "modules" / "pull-through-cache" / "main.tf"
CHARTS = ("aws-load-balancer-controller", "kube-prometheus-stack")
RELEASES = (*CHARTS, "karpenter", "karpenter-nodepools")
DIGEST = "sha256:" + "ab" * 32
SYNC_ENV = {"CLUSTER_NAME": "demo", "AWS_REGION": "eu-west-1", "VPC_ID": "vpc-0123456789abcdef0"}
POD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Pod", "CronJob"}

spec = importlib.util.spec_from_file_location("registry_cache", ROOT / "platform/registry_cache.py")
registry_cache = importlib.util.module_from_spec(spec)
spec.loader.exec_module(registry_cache)

# nat_mode -> the environment make gh-vars gives the deploy job in that mode.
MODES = {
    "single": {},
    "one_per_az": {},
    "none": {"IMAGE_REGISTRY_CACHE": ACCOUNT_REGISTRY},
}


def cache_namespaces():
    """The pull-through cache rules' namespaces, read from the Terraform module."""
    text = CACHE_MODULE.read_text()
    block = text[text.index("upstreams = {") : text.index("\n  }", text.index("upstreams = {"))]
    return set(re.findall(r'^\s*"([^"]+)"\s*=', block, re.M))


def reachable(image, nat_mode):
    host, _, path = image.partition("/")
    if nat_mode != "none":
        return "." in host and bool(path)
    if host != ACCOUNT_REGISTRY:
        return False
    namespace = path.split("/", 1)[0]
    # Either the app's own repository or a cached upstream the cache has a rule for.
    return (
        path.startswith("webapp@")
        or path.startswith("webapp:")
        or (namespace in cache_namespaces() and "/" in path)
    )


def clean_env(extra):
    keep = {k: v for k, v in os.environ.items() if k not in ("IMAGE_REGISTRY_CACHE", "DRY_RUN")}
    path = f"{devtools.TOOLS / 'bin'}:{keep.get('PATH', '')}"
    return {**keep, "PATH": path, "DRY_RUN": "1", **extra}


def sync_commands(env):
    result = subprocess.run(
        [str(ROOT / "platform/sync.sh")],
        env=clean_env({**SYNC_ENV, **env}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [
        shlex.split(line) for line in result.stdout.splitlines() if line.startswith("helm upgrade")
    ]


def values_files(command):
    return [pathlib.Path(command[i + 1]) for i, word in enumerate(command) if word == "--values"]


def lookup(values, path):
    node = values
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return {}
        node = node[key]
    return node if isinstance(node, dict) else {}


def platform_images(env):
    """{chart: {value path: image reference}} as the sync would install them."""
    images = {}
    for command in sync_commands(env):
        # helm upgrade --install RELEASE CHART ...: the table is by release.
        chart = command[3]
        layers = [
            json.loads(p.read_text()) if p.suffix == ".json" else yaml.safe_load(p.read_text())
            for p in values_files(command)
        ]
        found = {}
        for path, default in registry_cache.IMAGES[chart].items():
            effective = dict(default)
            for layer in layers:
                effective.update(
                    {
                        k: v
                        for k, v in lookup(layer, path).items()
                        if k in ("registry", "repository")
                    }
                )
            registry, repository = effective["registry"], effective["repository"]
            found[path] = f"{registry}/{repository}" if registry else repository
        images[chart] = found
    return images


def pod_spec(document):
    spec = document["spec"]
    if document["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec if document["kind"] == "Pod" else spec["template"]["spec"]


def app_images():
    result = subprocess.run(
        [str(ROOT / "deploy/deploy.sh")],
        env=clean_env(
            {
                "IMAGE_REPOSITORY": f"{ACCOUNT_REGISTRY}/webapp",
                "IMAGE_DIGEST": DIGEST,
                "TARGET_GROUP_ARN": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:"
                "targetgroup/demo/0123456789abcdef",
                "PUBLIC_SUBNET_CIDRS": '["10.0.240.0/24"]',
            }
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    images = []
    for document in yaml.safe_load_all(result.stdout):
        if not document or document.get("kind") not in POD_KINDS:
            continue
        spec = pod_spec(document)
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            images.append(container["image"])
    return images


@pytest.mark.parametrize("nat_mode", MODES)
def test_every_platform_image_is_reachable(nat_mode):
    images = platform_images(MODES[nat_mode])
    assert set(images) == set(RELEASES)
    unreachable = {
        f"{release}:{path}": image
        for release, found in images.items()
        for path, image in found.items()
        if not reachable(image, nat_mode)
    }
    assert unreachable == {}


@pytest.mark.parametrize("nat_mode", MODES)
def test_every_app_container_is_reachable(nat_mode):
    images = app_images()
    assert images, "the app chart rendered no containers"
    assert [i for i in images if not reachable(i, nat_mode)] == []


def test_without_nat_images_keep_their_upstream_path_under_the_cache():
    images = platform_images(MODES["none"])
    assert images["kube-prometheus-stack"]["prometheus.prometheusSpec.image"] == (
        f"{ACCOUNT_REGISTRY}/quay.io/prometheus/prometheus"
    )
    # Docker Hub's official images are library/<name> in the registry API the cache speaks.
    assert images["kube-prometheus-stack"]["crds.upgradeJob.image.busybox"] == (
        f"{ACCOUNT_REGISTRY}/docker.io/library/busybox"
    )
    assert images["aws-load-balancer-controller"]["image"] == (
        f"{ACCOUNT_REGISTRY}/public.ecr.aws/eks/aws-load-balancer-controller"
    )


def test_with_nat_the_charts_keep_their_own_registries():
    images = platform_images(MODES["single"])
    assert images["kube-prometheus-stack"]["grafana.image"] == "docker.io/grafana/grafana"


def test_the_cache_serves_every_upstream_the_charts_use():
    upstreams = {
        (spec["registry"] or spec["repository"]).split("/")[0]
        for images in registry_cache.IMAGES.values()
        for spec in images.values()
    }
    assert upstreams <= cache_namespaces()


def test_the_project_values_override_no_image_the_table_does_not_know():
    # An image set in platform/values/ but missing from the table would escape the cache.
    def image_paths(node, prefix=""):
        if isinstance(node, dict):
            if isinstance(node.get("repository"), str):
                yield prefix.rstrip(".")
            for key, value in node.items():
                yield from image_paths(value, f"{prefix}{key}.")

    for chart in CHARTS:
        values = yaml.safe_load((ROOT / f"platform/values/{chart}.yaml").read_text())
        assert set(image_paths(values)) <= set(registry_cache.IMAGES[chart])


def test_a_malformed_cache_host_stops_the_sync():
    result = subprocess.run(
        [str(ROOT / "platform/sync.sh")],
        env=clean_env({**SYNC_ENV, "IMAGE_REGISTRY_CACHE": "quay.io"}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "image_registry_cache" in result.stderr
