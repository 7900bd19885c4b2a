#!/usr/bin/env python3
"""Print the values that move every image of one platform release to the ECR pull-through cache.

Without NAT, nodes reach no public registry; the cache (terraform/modules/pull-through-cache)
serves each upstream under a namespace named after its host, so an image moves by one prefix:
quay.io/prometheus/prometheus -> <cache host>/quay.io/prometheus/prometheus.

IMAGES lists every image value of the pinned charts (tools/versions.env) with its upstream
registry, checked by hand against each chart's values.yaml at that version (the charts are not
vendored here; platform/README.md says how to re-check them on a chart upgrade). Images a chart
turns off by default are listed too, so enabling one later cannot bring a public image back.

Usage: registry_cache.py RELEASE CACHE_HOST   (prints a JSON values document for helm --values)
"""

import json
import re
import sys

CACHE_HOST = re.compile(r"^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$")
# Docker Hub's official images live under library/ in the registry API, which the cache uses.
DOCKER_HUB = "docker.io"


def image(registry, repository):
    return {"registry": registry, "repository": repository}


# Value path (dots) -> how the chart spells that image by default.
# `registry` images keep their repository; `repository`-only images carry the host in it.
IMAGES = {
    "kube-prometheus-stack": {
        "alertmanager.alertmanagerSpec.image": image("quay.io", "prometheus/alertmanager"),
        "prometheus.prometheusSpec.image": image("quay.io", "prometheus/prometheus"),
        "prometheusOperator.image": image("quay.io", "prometheus-operator/prometheus-operator"),
        "prometheusOperator.prometheusConfigReloader.image": image(
            "quay.io", "prometheus-operator/prometheus-config-reloader"
        ),
        "prometheusOperator.admissionWebhooks.deployment.image": image(
            "quay.io", "prometheus-operator/admission-webhook"
        ),
        "prometheusOperator.admissionWebhooks.patch.image": image(
            "ghcr.io", "jkroepke/kube-webhook-certgen"
        ),
        "prometheusOperator.thanosImage": image("quay.io", "thanos/thanos"),
        "thanosRuler.thanosRulerSpec.image": image("quay.io", "thanos/thanos"),
        "crds.upgradeJob.image.busybox": image(DOCKER_HUB, "busybox"),
        "crds.upgradeJob.image.kubectl": image("registry.k8s.io", "kubectl"),
        "kube-state-metrics.image": image(
            "registry.k8s.io", "kube-state-metrics/kube-state-metrics"
        ),
        "kube-state-metrics.kubeRBACProxy.image": image("quay.io", "brancz/kube-rbac-proxy"),
        "prometheus-node-exporter.image": image("quay.io", "prometheus/node-exporter"),
        "prometheus-node-exporter.kubeRBACProxy.image": image("quay.io", "brancz/kube-rbac-proxy"),
        "prometheus-node-exporter.permissionInitContainer.image": image(
            "quay.io", "prometheus/busybox"
        ),
        "grafana.image": image(DOCKER_HUB, "grafana/grafana"),
        "grafana.sidecar.image": image("quay.io", "kiwigrid/k8s-sidecar"),
        "grafana.initChownData.image": image(DOCKER_HUB, "library/busybox"),
        "grafana.downloadDashboardsImage": image(DOCKER_HUB, "curlimages/curl"),
        "grafana.imageRenderer.image": image(DOCKER_HUB, "grafana/grafana-image-renderer"),
        "grafana.testFramework.image": image(DOCKER_HUB, "bats/bats"),
    },
    "aws-load-balancer-controller": {
        "image": image(None, "public.ecr.aws/eks/aws-load-balancer-controller"),
    },
    "karpenter": {
        "controller.image": image(None, "public.ecr.aws/karpenter/controller"),
    },
    # The EC2NodeClass and NodePool (platform/karpenter/nodepools) run no containers.
    "karpenter-nodepools": {},
}


def cached(spec, cache_host):
    """The values that point one image at the cache."""
    if spec["registry"] is None:
        return {"repository": f"{cache_host}/{spec['repository']}"}
    repository = spec["repository"]
    if spec["registry"] == DOCKER_HUB and "/" not in repository:
        repository = f"library/{repository}"
    return {"registry": f"{cache_host}/{spec['registry']}", "repository": repository}


def overrides(release, cache_host):
    if release not in IMAGES:
        raise ValueError(f"unknown release {release!r}; known: {', '.join(sorted(IMAGES))}")
    if not CACHE_HOST.match(cache_host):
        raise ValueError(
            f"cache host {cache_host!r} is not <account>.dkr.ecr.<region>.amazonaws.com "
            "(Terraform output image_registry_cache)"
        )
    values = {}
    for path, spec in IMAGES[release].items():
        node = values
        for key in path.split("."):
            node = node.setdefault(key, {})
        node.update(cached(spec, cache_host))
    return values


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    try:
        values = overrides(*argv)
    except ValueError as err:
        print(f"registry-cache: {err}", file=sys.stderr)
        return 2
    print(json.dumps(values, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
