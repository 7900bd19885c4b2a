"""The platform values against what EKS runs; the names the sync, deploy and chart share."""

import os
import re
import subprocess

import pytest
import yaml

from conftest import PLATFORM, ROOT, run_sync

# EKS runs these itself and exposes none of them on the nodes: the stack's Services for them
# have no endpoints (absent(up) alerts), or, for the kube-proxy add-on, a refused scrape.
HIDDEN_ON_EKS = ("kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy")
DEPLOY_INPUTS = {
    "IMAGE_REPOSITORY": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/webapp",
    "IMAGE_DIGEST": "sha256:" + "4f" * 32,
    "TARGET_GROUP_ARN": (
        "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/webapp/0123456789abcdef"
    ),
    "PUBLIC_SUBNET_CIDRS": '["10.0.240.0/24"]',
}


@pytest.mark.parametrize("component", HIDDEN_ON_EKS)
def test_components_eks_hides_are_not_scraped(kps_values, component):
    assert kps_values.get(component, {}).get("enabled") is False


def test_the_stack_keeps_the_names_the_webapp_chart_derives(kps_values):
    # The chart names the Prometheus pods "<stack fullname>-prometheus" (webapp.prometheusName).
    for key in ("fullnameOverride", "nameOverride", "cleanPrometheusOperatorObjectNames"):
        assert key not in kps_values


def test_service_mutator_webhook_is_off_and_the_webapp_service_names_the_controller(lbc_values):
    assert lbc_values["enableServiceMutatorWebhook"] is False
    rendered = subprocess.run(
        [
            "helm",
            "template",
            "webapp",
            str(ROOT / "charts/webapp"),
            "--values",
            str(ROOT / "charts/webapp/ci/eks-deploy-values.yaml"),
            "--values",
            str(ROOT / "charts/webapp/ci/load-balancer-service-values.yaml"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    (service,) = [
        doc
        for doc in yaml.safe_load_all(rendered)
        if doc and doc["kind"] == "Service" and doc["spec"]["type"] == "LoadBalancer"
    ]
    # Without the mutator the controller takes only Services that ask for it.
    annotations = service["metadata"]["annotations"]
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-type"] == "external"


def test_storage_class_deletes_volumes_and_the_readmes_say_so():
    storage_class = yaml.safe_load((PLATFORM / "manifests/storageclass-gp3.yaml").read_text())
    assert storage_class["reclaimPolicy"] == "Delete"
    (step,) = [
        line
        for line in (PLATFORM / "README.md").read_text().splitlines()
        if "WaitForFirstConsumer" in line
    ]
    assert "`Delete`" in step
    assert "Retain" not in step
    teardown = (ROOT / "terraform/README.md").read_text()
    assert "Delete StorageClass" in teardown
    assert "kubectl delete pvc -n monitoring --all" in teardown


def test_sync_installs_the_stack_release_into_the_shared_namespace(platform_env):
    result = run_sync(DRY_RUN="1")
    assert result.returncode == 0, result.stderr
    (upgrade,) = [
        line.split()
        for line in result.stdout.splitlines()
        if line.startswith("helm upgrade --install kube-prometheus-stack ")
    ]
    assert upgrade[3] == platform_env["PLATFORM_KPS_RELEASE"]
    assert (
        upgrade[upgrade.index("--namespace") + 1] == platform_env["PLATFORM_MONITORING_NAMESPACE"]
    )


def test_the_stack_scrapes_the_load_balancer_controller(lbc_values, platform_env):
    assert lbc_values["serviceMonitor"]["enabled"] is True
    result = run_sync(DRY_RUN="1")
    (upgrade,) = [
        line.split()
        for line in result.stdout.splitlines()
        if line.startswith("helm upgrade --install aws-load-balancer-controller ")
    ]
    release_label = (
        f"serviceMonitor.additionalLabels.release={platform_env['PLATFORM_KPS_RELEASE']}"
    )
    assert upgrade[upgrade.index(release_label) - 1] == "--set-string"


def test_chart_defaults_equal_the_platform_names(platform_env):
    monitoring = yaml.safe_load((ROOT / "charts/webapp/values.yaml").read_text())["monitoring"]
    assert monitoring["namespace"] == platform_env["PLATFORM_MONITORING_NAMESPACE"]
    assert monitoring["release"] == platform_env["PLATFORM_KPS_RELEASE"]


def deploy(tmp_path, **env):
    inherited = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DRY_RUN", "NAMESPACE", "RELEASE", "HELM_TIMEOUT", "MONITORING_NAMESPACE"}
    }
    return subprocess.run(
        [str(ROOT / "deploy/deploy.sh")],
        env={**inherited, **DEPLOY_INPUTS, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )


def admin_port_namespaces(rendered: str) -> list[str]:
    (policy,) = [
        doc
        for doc in yaml.safe_load_all(rendered)
        if doc and doc["kind"] == "NetworkPolicy" and doc["metadata"]["name"] == "webapp"
    ]
    return [
        peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for rule in policy["spec"]["ingress"]
        for peer in rule["from"]
        if "namespaceSelector" in peer
    ]


@pytest.mark.parametrize("override", [None, "observability"])
def test_deploy_passes_the_monitoring_namespace_to_the_chart(tmp_path, platform_env, override):
    env = {"DRY_RUN": "1"} | ({"MONITORING_NAMESPACE": override} if override else {})
    result = deploy(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    expected = override or platform_env["PLATFORM_MONITORING_NAMESPACE"]
    assert admin_port_namespaces(result.stdout) == [expected]


def test_deploy_refuses_a_bad_monitoring_namespace(tmp_path):
    result = deploy(tmp_path, DRY_RUN="1", MONITORING_NAMESPACE="Monitoring_1")
    assert result.returncode == 2
    assert "MONITORING_NAMESPACE='Monitoring_1' is not a namespace name" in result.stderr


def test_live_deploy_leaves_the_platform_to_its_job_and_uses_the_same_namespace(tmp_path, pins):
    # The platform sync runs in its own job with its own role (app.yml); both read
    # MONITORING_NAMESPACE, defaulting to platform/platform.env.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    recorder = (
        "#!/usr/bin/env bash\n"
        'printf "%s MONITORING_NAMESPACE=%s %s\\n" '
        '"$(basename "$0")" "${MONITORING_NAMESPACE-}" "$*" >>"$CALLS"\n'
        'case "$(basename "$0") $1" in\n'
        '  "helm version") printf "%s" "$PINNED_HELM" ;;\n'
        '  "helm status") printf \'{"version": 1}\' ;;\n'
        "  \"kubectl create\") printf 'apiVersion: v1\\nkind: Namespace\\n' ;;\n"
        '  "kubectl apply") cat >/dev/null ;;\n'
        "esac\n"
    )
    for tool in ("aws", "kubectl", "make", "helm"):
        (bin_dir / tool).write_text(recorder)
        (bin_dir / tool).chmod(0o755)
    calls = tmp_path / "calls"
    result = deploy(
        tmp_path,
        PATH=f"{bin_dir}:{os.environ['PATH']}",
        CALLS=str(calls),
        PINNED_HELM=pins["HELM_VERSION"],
        CLUSTER_NAME="demo",
        AWS_REGION="eu-west-1",
        MONITORING_NAMESPACE="observability",
        # A real deploy reads these from SSM when unset, and needs absolute runbook links.
        VPC_ID="vpc-0123456789abcdef0",
        KARPENTER_ISOLATED_VPC="false",
        KARPENTER_NODE_ROLE="demo-karpenter-node",
        KARPENTER_INTERRUPTION_QUEUE="demo-karpenter",
        RUNBOOK_BASE_URL="https://github.com/acme/devops-eks/blob/main/docs/runbooks",
        GITHUB_OUTPUT=str(tmp_path / "out"),
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary"),
    )
    assert result.returncode == 0, result.stderr
    assert not [line for line in calls.read_text().splitlines() if line.startswith("make ")]
    (upgrade,) = [
        line
        for line in calls.read_text().splitlines()
        if line.startswith("helm ") and " upgrade " in line
    ]
    assert "monitoring.namespace=observability" in upgrade.split()


def test_controller_runs_as_the_service_account_terraform_binds_its_role_to(lbc_values):
    variables = (ROOT / "terraform/modules/eks/variables.tf").read_text()
    block = variables[variables.index('variable "load_balancer_controller_service_account"') :]
    default = re.search(
        r'default\s*=\s*\{\s*namespace\s*=\s*"([^"]+)",\s*name\s*=\s*"([^"]+)"', block
    )
    assert default, "the variable's default moved: update this test"
    namespace, name = default.groups()
    # The live root keeps the module's default (it never passes the variable).
    live = "".join(p.read_text() for p in (ROOT / "terraform/live").glob("*.tf"))
    assert "load_balancer_controller_service_account" not in live
    assert lbc_values["serviceAccount"] == {"create": True, "name": name}
    result = run_sync(DRY_RUN="1")
    (upgrade,) = [
        line.split()
        for line in result.stdout.splitlines()
        if line.startswith("helm upgrade --install aws-load-balancer-controller ")
    ]
    assert upgrade[upgrade.index("--namespace") + 1] == namespace
