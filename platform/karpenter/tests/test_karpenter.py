"""Karpenter on the platform, offline: the EC2NodeClass and NodePool against Karpenter's own API
schemas, the values that keep the controller on the system group, and the sync order.

The schemas come from the pinned npm package (tools/versions.env, KARPENTER_SCHEMAS_*), whose
validators are generated from the Go API types of Karpenter KARPENTER_VERSION; validate.mjs adds
the unknown-field check the API server would otherwise turn into silent pruning.
"""

import copy
import json
import os
import re
import subprocess
from pathlib import Path

import devtools
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
KARPENTER = ROOT / "platform" / "karpenter"
NODEPOOLS = KARPENTER / "nodepools"
VALIDATOR = Path(__file__).with_name("validate.mjs")
MODULES = devtools.TOOLS / "karpenter-schemas" / "node_modules"
SYNC_ENV = {"CLUSTER_NAME": "demo", "AWS_REGION": "eu-west-1", "VPC_ID": "vpc-0123456789abcdef0"}
TERRAFORM = ROOT / "terraform" / "modules"


def pins() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / "tools/versions.env").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


def helm_template(*sets: str) -> subprocess.CompletedProcess:
    args = [devtools.find_tool("helm"), "template", "karpenter-nodepools", str(NODEPOOLS)]
    for item in ("clusterName=demo", "nodeRole=demo-karpenter-node", *sets):
        args += ["--set", item]
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def rendered(*sets: str) -> dict[str, dict]:
    result = helm_template(*sets)
    assert result.returncode == 0, result.stderr
    return {d["kind"]: d for d in yaml.safe_load_all(result.stdout) if d}


def validate(objects: list[dict]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["node", str(VALIDATOR), str(MODULES)],
        input=json.dumps(objects),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module", autouse=True)
def tools(helm):
    schemas = MODULES / pins()["KARPENTER_SCHEMAS_PACKAGE"]
    if not schemas.exists():
        pytest.fail(f"{schemas} is missing: run 'make tools'")


@pytest.fixture(scope="module")
def objects() -> dict[str, dict]:
    return rendered()


# --- Schemas -------------------------------------------------------------------------------------


def test_installed_schemas_are_the_pinned_package():
    pin = pins()
    package = json.loads((MODULES / pin["KARPENTER_SCHEMAS_PACKAGE"] / "package.json").read_text())
    assert package["version"] == pin["KARPENTER_SCHEMAS_VERSION"]


def test_rendered_objects_match_the_karpenter_api(objects):
    result = validate(list(objects.values()))
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(result.stdout.split()) == sorted(
        ["ok", "EC2NodeClass/default", "ok", "NodePool/default"]
    )


def mutate(objects, kind, path, value):
    changed = copy.deepcopy(objects[kind])
    node = changed
    *parents, last = path
    for key in parents:
        node = node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return changed


@pytest.mark.parametrize(
    ("kind", "path", "value", "expected"),
    [
        # A misspelt field: the API server would prune it and the node would keep IMDS open.
        (
            "EC2NodeClass",
            ["spec", "metadataOptions", "httpToken"],
            "required",
            "/spec/metadataOptions/httpToken: unknown field",
        ),
        ("EC2NodeClass", ["spec", "metadataOptions", "httpPutResponseHopLimit"], 0, "minimum"),
        ("EC2NodeClass", ["spec", "metadataOptions", "httpTokens"], "always", "enum"),
        ("NodePool", ["spec", "disruption", "consolidationPolicy"], "WhenIdle", "enum"),
        ("NodePool", ["spec", "disruption", "consolidateAfter"], "1 minute", "pattern"),
        ("NodePool", ["spec", "disruption", "consolidateAfter"], KeyError, "consolidateAfter"),
        ("NodePool", ["spec", "template", "spec", "expireAfter"], "30d", "pattern"),
        ("NodePool", ["spec", "template", "spec", "nodeClassRef"], KeyError, "nodeClassRef"),
        ("NodePool", ["spec", "limit"], {"cpu": "32"}, "/spec/limit: unknown field"),
    ],
)
def test_the_validator_refuses_what_the_api_refuses(objects, kind, path, value, expected):
    result = validate([mutate(objects, kind, path, value)])
    assert result.returncode == 1, result.stdout
    assert expected in result.stdout


def test_the_validator_refuses_an_unknown_kind(objects):
    other = copy.deepcopy(objects["NodePool"]) | {"apiVersion": "karpenter.sh/v1beta1"}
    result = validate([other])
    assert result.returncode == 1
    assert "no schema for karpenter.sh/v1beta1 NodePool" in result.stdout


# --- What the node class and pool promise ---------------------------------------------------------


def test_node_class_hardening(objects):
    spec = objects["EC2NodeClass"]["spec"]
    assert spec["metadataOptions"]["httpTokens"] == "required"
    assert spec["metadataOptions"]["httpPutResponseHopLimit"] == 1
    [root_volume] = spec["blockDeviceMappings"]
    assert root_volume["deviceName"] == "/dev/xvda"
    assert root_volume["ebs"]["volumeType"] == "gp3"
    assert root_volume["ebs"]["encrypted"] is True
    [alias] = spec["amiSelectorTerms"]
    assert re.fullmatch(r"al2023@v\d{8}", alias["alias"]), "the AMI must be a pinned AL2023 alias"


def test_node_class_finds_what_terraform_tags(objects):
    spec = objects["EC2NodeClass"]["spec"]
    module = (TERRAFORM / "karpenter" / "main.tf").read_text()
    tag_key = re.search(r'discovery_tag = \{ "([^"]+)" = var\.cluster_name \}', module).group(1)
    for terms in (spec["subnetSelectorTerms"], spec["securityGroupSelectorTerms"]):
        assert terms == [{"tags": {tag_key: "demo"}}]
    assert 'name        = "${var.cluster_name}-karpenter-node"' in module
    assert spec["role"] == "demo-karpenter-node"


def test_node_pool_defaults(objects):
    pool = objects["NodePool"]["spec"]
    requirements = {r["key"]: r for r in pool["template"]["spec"]["requirements"]}
    assert requirements["kubernetes.io/arch"]["values"] == ["amd64", "arm64"]
    assert requirements["karpenter.sh/capacity-type"]["values"] == ["on-demand"]
    assert set(pool["limits"]) == {"cpu", "memory"}
    assert pool["disruption"]["consolidationPolicy"] == "WhenEmptyOrUnderutilized"
    assert pool["disruption"]["budgets"], "consolidation needs disruption budgets"
    assert pool["template"]["spec"]["expireAfter"] == "720h"


def test_spot_is_an_opt_in():
    pool = rendered("capacityTypes={spot,on-demand}")["NodePool"]["spec"]
    requirements = {r["key"]: r for r in pool["template"]["spec"]["requirements"]}
    assert requirements["karpenter.sh/capacity-type"]["values"] == ["spot", "on-demand"]
    result = validate([rendered("capacityTypes={spot,on-demand}")["NodePool"]])
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ("clusterName=", "/clusterName"),
        ("nodeRole=arn:aws:iam::123456789012:role/x", "/nodeRole"),
        ("amiAlias=al2023@latest", "/amiAlias"),
        ("capacityTypes={preemptible}", "/capacityTypes/0"),
        ("architectures={x86_64}", "/architectures/0"),
        ("limits.cpu=0", "/limits/cpu"),
        ("expireAfter=30d", "/expireAfter"),
        ("disruption.consolidationPolicy=Always", "/disruption/consolidationPolicy"),
    ],
)
def test_bad_values_are_refused_before_install(setting, named):
    result = helm_template(setting)
    assert result.returncode != 0
    assert named in result.stderr


# --- The controller -------------------------------------------------------------------------------


def test_controller_stays_on_the_system_group():
    values = yaml.safe_load((KARPENTER / "values.yaml").read_text())
    nodes = (TERRAFORM / "eks" / "nodes.tf").read_text()
    label = re.search(r'system_node_labels = \{ "([^"]+)" = "([^"]+)" \}', nodes)
    assert values["nodeSelector"][label.group(1)] == label.group(2)
    assert values["replicas"] >= 2


def test_controller_service_account_is_the_pod_identity_one():
    values = yaml.safe_load((KARPENTER / "values.yaml").read_text())
    variables = (TERRAFORM / "karpenter" / "variables.tf").read_text()
    default = re.search(r'default = \{ namespace = "([^"]+)", name = "([^"]+)" \}', variables)
    assert (default.group(1), default.group(2)) == ("kube-system", values["serviceAccount"]["name"])


def test_controller_metrics_are_scraped():
    values = yaml.safe_load((KARPENTER / "values.yaml").read_text())
    assert values["serviceMonitor"]["enabled"] is True


# --- The sync -------------------------------------------------------------------------------------


def sync(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KARPENTER_")}
    clean["PATH"] = f"{Path(devtools.find_tool('helm')).parent}:{clean['PATH']}"
    return subprocess.run(
        [str(ROOT / "platform" / "sync.sh")],
        env={**clean, **SYNC_ENV, "DRY_RUN": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_sync_order_crds_controller_node_classes():
    result = sync()
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    version = pins()["KARPENTER_VERSION"]
    crds = lines.index(
        f"helm show crds oci://public.ecr.aws/karpenter/karpenter --version {version}"
        " | kubectl apply --server-side --force-conflicts -f -"
    )
    [controller] = [
        i
        for i, line in enumerate(lines)
        if line.startswith("helm upgrade --install karpenter oci:")
    ]
    [pools] = [i for i, line in enumerate(lines) if "--install karpenter-nodepools" in line]
    [monitoring_crds] = [
        i for i, line in enumerate(lines) if "show crds kube-prometheus-stack" in line
    ]
    assert monitoring_crds < crds < controller < pools
    assert f"--version {version} --namespace kube-system" in lines[controller]
    for flag in (
        "--set-string settings.clusterName=demo",
        "--set-string settings.interruptionQueue=demo-karpenter",
        "--set settings.isolatedVPC=false",
        "--set-string serviceMonitor.additionalLabels.release=kube-prometheus-stack",
        "--rollback-on-failure --wait --timeout 15m",
    ):
        assert flag in lines[controller]
    assert "--set-string nodeRole=demo-karpenter-node" in lines[pools]


def test_sync_takes_the_terraform_outputs():
    result = sync(
        KARPENTER_NODE_ROLE="other-node",
        KARPENTER_INTERRUPTION_QUEUE="other-queue",
        KARPENTER_ISOLATED_VPC="true",
    )
    assert result.returncode == 0, result.stderr
    assert "settings.interruptionQueue=other-queue --set settings.isolatedVPC=true" in result.stdout
    assert "nodeRole=other-node" in result.stdout


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KARPENTER_ISOLATED_VPC", "yes"),
        ("KARPENTER_NODE_ROLE", "arn:aws:iam::123456789012:role/x"),
        ("KARPENTER_INTERRUPTION_QUEUE", "https://sqs.eu-west-1.amazonaws.com/1/q"),
    ],
)
def test_bad_inputs_stop_before_anything_runs(name, value):
    result = sync(**{name: value})
    assert result.returncode == 2
    assert name in result.stderr
    assert result.stdout == "", "nothing may run before the inputs are checked"


def test_sync_moves_the_controller_image_to_the_registry_cache():
    result = sync(IMAGE_REGISTRY_CACHE="123456789012.dkr.ecr.eu-west-1.amazonaws.com")
    assert result.returncode == 0, result.stderr
    values = json.loads((ROOT / ".run/platform/karpenter-image-cache.json").read_text())
    cache = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    assert values == {
        "controller": {"image": {"repository": f"{cache}/public.ecr.aws/karpenter/controller"}}
    }


# --- Interplay with the webapp --------------------------------------------------------------------


def webapp_objects() -> dict[str, dict]:
    result = subprocess.run(
        [devtools.find_tool("helm"), "template", "webapp", str(ROOT / "charts/webapp")]
        + ["-f", str(ROOT / "charts/webapp/ci/eks-deploy-values.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {d["kind"]: d for d in yaml.safe_load_all(result.stdout) if d}


def test_consolidation_respects_the_webapp_disruption_budget(objects):
    webapp = webapp_objects()
    assert webapp["PodDisruptionBudget"]["spec"]["maxUnavailable"] == 1
    # Underutilized nodes go one at a time, so a consolidation never evicts replicas from two
    # nodes at once: with the PDB, at most one replica is down.
    budgets = objects["NodePool"]["spec"]["disruption"]["budgets"]
    assert {"nodes": "1", "reasons": ["Underutilized"]} in budgets


def test_webapp_spread_does_not_force_a_node_per_zone():
    spec = webapp_objects()["Deployment"]["spec"]["template"]["spec"]
    # ScheduleAnyway: Karpenter packs pods where they fit instead of launching a node per zone
    # or per host only to satisfy the spread.
    assert {c["whenUnsatisfiable"] for c in spec["topologySpreadConstraints"]} == {"ScheduleAnyway"}
