"""Offline checks of platform/: what can be verified without a cluster or the upstream charts.

* the values files and the StorageClass parse, and agree with each other (gp3, Secret names);
* `platform/sync.sh` with DRY_RUN=1: the exact helm commands (pinned versions, flags, values
  files, Terraform inputs) and clear errors for missing or malformed inputs;
* the webapp chart, rendered with helm, produces objects the stack's selectors pick up:
  release label, dashboard sidecar label and folder annotation, the admin port, job="webapp";
* Alertmanager routes every severity the webapp's alerts use to a real receiver.

Run by `make platform-test` with the tools venv's python and helm on PATH.
"""

import os
import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ROOT / "platform"
KPS_VALUES = PLATFORM / "values/kube-prometheus-stack.yaml"
LBC_VALUES = PLATFORM / "values/aws-load-balancer-controller.yaml"
STORAGE_CLASS = PLATFORM / "manifests/storageclass-gp3.yaml"
RULES_DIR = ROOT / "charts/webapp/files/rules"
KPS_RELEASE = "kube-prometheus-stack"
SYNC_ENV = {"CLUSTER_NAME": "demo", "AWS_REGION": "eu-west-1", "VPC_ID": "vpc-0123456789abcdef0"}


def versions() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "tools/versions.env").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pins[key] = value
    return pins


def sync(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SYNC_ENV}
    return subprocess.run(
        [str(PLATFORM / "sync.sh")],
        env={**clean, "DRY_RUN": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def render_chart() -> list[dict]:
    result = subprocess.run(
        [
            "helm",
            "template",
            "webapp",
            str(ROOT / "charts/webapp"),
            "--namespace",
            "webapp",
            "--values",
            str(ROOT / "charts/webapp/ci/eks-deploy-values.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


class TestValuesFiles:
    def setup_method(self):
        self.kps = yaml.safe_load(KPS_VALUES.read_text())
        self.lbc = yaml.safe_load(LBC_VALUES.read_text())
        self.storage_class = yaml.safe_load(STORAGE_CLASS.read_text())

    def test_pins_are_versions(self):
        pins = versions()
        assert re.search(r"^88\.\d+\.\d+$", pins["KUBE_PROMETHEUS_STACK_CHART_VERSION"])
        assert re.search(r"^\d+\.\d+\.\d+$", pins["AWS_LOAD_BALANCER_CONTROLLER_CHART_VERSION"])

    def test_volumes_use_the_gp3_class_of_the_ebs_csi_driver(self):
        assert self.storage_class["kind"] == "StorageClass"
        assert self.storage_class["provisioner"] == "ebs.csi.aws.com"
        assert self.storage_class["parameters"]["type"] == "gp3"
        name = self.storage_class["metadata"]["name"]
        for spec in (
            self.kps["prometheus"]["prometheusSpec"]["storageSpec"],
            self.kps["alertmanager"]["alertmanagerSpec"]["storage"],
        ):
            assert spec["volumeClaimTemplate"]["spec"]["storageClassName"] == name

    def test_prometheus_retention_covers_the_30_day_slo_window(self):
        spec = self.kps["prometheus"]["prometheusSpec"]
        assert re.search(r"^\d+d$", spec["retention"])
        assert int(spec["retention"][:-1]) >= 30
        assert "requests" in spec["resources"]
        assert "limits" in spec["resources"]

    def test_grafana_password_from_a_secret_and_not_exposed(self):
        grafana = self.kps["grafana"]
        assert grafana["admin"]["existingSecret"]
        assert "adminPassword" not in grafana
        assert grafana["service"]["type"] == "ClusterIP"
        assert not grafana["ingress"]["enabled"]

    def test_receivers_read_their_urls_from_the_mounted_secret(self):
        secret = self.kps["alertmanager"]["alertmanagerSpec"]["secrets"][0]
        for receiver in self.kps["alertmanager"]["config"]["receivers"]:
            for hook in receiver.get("webhook_configs", []):
                assert "url" not in hook, "a URL in values would end up in git"
                assert hook["url_file"].startswith(f"/etc/alertmanager/secrets/{secret}/")

    def test_every_webapp_severity_routes_to_a_real_receiver(self):
        route = self.kps["alertmanager"]["config"]["route"]
        receivers = {r["name"]: r for r in self.kps["alertmanager"]["config"]["receivers"]}
        severities = {
            rule["labels"]["severity"]
            for path in RULES_DIR.glob("*.yaml")
            for group in yaml.safe_load(path.read_text())["groups"]
            for rule in group["rules"]
            if "alert" in rule
        }
        assert severities == {"page", "ticket"}
        for severity in severities:
            matched = [
                r
                for r in route["routes"]
                if any(
                    m.startswith("severity =~") and severity in m.split('"')[1].split("|")
                    for m in r["matchers"]
                )
            ]
            assert len(matched) == 1, f"severity {severity}: routes {matched}"
            assert matched[0]["receiver"] == severity
            assert receivers[severity].get("webhook_configs"), f"receiver {severity} sends nothing"

    def test_load_balancer_controller_service_account_matches_terraform(self):
        # docs/interfaces.md: Pod Identity association for kube-system/aws-load-balancer-controller.
        assert self.lbc["serviceAccount"]["name"] == "aws-load-balancer-controller"
        assert self.lbc["serviceAccount"]["create"]
        interfaces = (ROOT / "docs/interfaces.md").read_text()
        assert "`aws-load-balancer-controller` in `kube-system`" in interfaces
        for key in ("clusterName", "region", "vpcId"):
            assert key not in self.lbc, f"{key} comes from Terraform at sync time, not from git"


class TestSyncCommands:
    def setup_method(self):
        result = sync(**SYNC_ENV)
        assert result.returncode == 0, result.stderr
        self.lines = result.stdout.splitlines()
        self.pins = versions()

    def helm_upgrade(self, release: str) -> list[str]:
        found = [
            line.split()
            for line in self.lines
            if line.startswith(f"helm upgrade --install {release} ")
        ]
        assert len(found) == 1, self.lines
        return found[0]

    def assert_flag(self, args: list[str], flag: str, value: str):
        assert flag in args
        assert args[args.index(flag) + 1] == value, f"{flag} in {' '.join(args)}"

    def test_kube_prometheus_stack_release(self):
        args = self.helm_upgrade(KPS_RELEASE)
        assert args[4] == "kube-prometheus-stack"
        self.assert_flag(args, "--repo", "https://prometheus-community.github.io/helm-charts")
        self.assert_flag(args, "--version", self.pins["KUBE_PROMETHEUS_STACK_CHART_VERSION"])
        self.assert_flag(args, "--namespace", "monitoring")
        self.assert_flag(args, "--values", str(KPS_VALUES))
        self.assert_flag(args, "--timeout", "15m")
        assert "--rollback-on-failure" in args
        assert "--wait" in args

    def test_load_balancer_controller_release_gets_the_terraform_outputs(self):
        args = self.helm_upgrade("aws-load-balancer-controller")
        self.assert_flag(args, "--repo", "https://aws.github.io/eks-charts")
        self.assert_flag(args, "--version", self.pins["AWS_LOAD_BALANCER_CONTROLLER_CHART_VERSION"])
        self.assert_flag(args, "--namespace", "kube-system")
        self.assert_flag(args, "--values", str(LBC_VALUES))
        set_strings = [args[i + 1] for i, a in enumerate(args) if a == "--set-string"]
        assert set_strings == [
            "clusterName=demo",
            "region=eu-west-1",
            "vpcId=vpc-0123456789abcdef0",
            f"serviceMonitor.additionalLabels.release={KPS_RELEASE}",
        ]
        assert "--rollback-on-failure" in args
        assert "--wait" in args

    def test_order_storage_and_crds_before_the_releases(self):
        def index(prefix):
            return next(i for i, line in enumerate(self.lines) if line.startswith(prefix))

        storage = index("kubectl apply --server-side -f ")
        assert self.lines[storage].endswith(str(STORAGE_CLASS))
        crds = [i for i, line in enumerate(self.lines) if line.startswith("helm show crds ")]
        assert len(crds) == 3
        for i in crds:
            assert self.lines[i].endswith("| kubectl apply --server-side --force-conflicts -f -")
        lbc = index("helm upgrade --install aws-load-balancer-controller ")
        kps = index(f"helm upgrade --install {KPS_RELEASE} ")
        assert storage < min(crds)
        # Karpenter's CRDs follow the controller (platform/karpenter/tests checks their order).
        assert max(crds[:2]) < lbc
        # The controller's webhook must run before anything creates Services or TargetGroupBindings.
        assert lbc < kps

    def test_timeout_and_namespace_overrides(self):
        out = sync(**SYNC_ENV, HELM_TIMEOUT="20m", MONITORING_NAMESPACE="observability").stdout
        assert "--namespace observability --values" in out
        assert "--timeout 20m" in out

    def test_missing_or_bad_inputs_fail_with_the_variable_named(self):
        for name in SYNC_ENV:
            env = {k: v for k, v in SYNC_ENV.items() if k != name}
            result = sync(**env)
            assert result.returncode == 2, name
            assert f"{name} is not set" in result.stderr
            assert result.stdout == "", "nothing may run before the inputs are checked"
        for name, bad in (
            ("VPC_ID", "vpc-XYZ"),
            ("AWS_REGION", "Ireland"),
            ("CLUSTER_NAME", "-x"),
            ("HELM_TIMEOUT", "soon"),
            ("DRY_RUN", "yes"),
        ):
            result = sync(**{**SYNC_ENV, name: bad})
            assert result.returncode == 2, name
            assert name in result.stderr


class TestChartObjectsAreSelected:
    """The webapp chart's monitoring objects against the stack's selectors and sidecar settings."""

    @classmethod
    def setup_class(cls):
        cls.objects = render_chart()
        cls.kps = yaml.safe_load(KPS_VALUES.read_text())

    def of_kind(self, kind: str) -> list[dict]:
        return [o for o in self.objects if o["kind"] == kind]

    def test_service_monitor_and_rules_carry_the_release_label(self):
        spec = self.kps["prometheus"]["prometheusSpec"]
        # NilUsesHelmValues true + no explicit selector = select release=<kps release>.
        assert spec["serviceMonitorSelectorNilUsesHelmValues"]
        assert spec["ruleSelectorNilUsesHelmValues"]
        for key in (
            "serviceMonitorSelector",
            "ruleSelector",
            "serviceMonitorNamespaceSelector",
            "ruleNamespaceSelector",
        ):
            assert key not in spec, f"{key} would change which objects are picked up"
        for kind in ("ServiceMonitor", "PrometheusRule"):
            objects = self.of_kind(kind)
            assert len(objects) == 1, kind
            assert objects[0]["metadata"]["labels"].get("release") == KPS_RELEASE, kind

    def test_service_monitor_scrapes_the_admin_port_as_job_webapp(self):
        monitor = self.of_kind("ServiceMonitor")[0]
        selected = [
            s
            for s in self.of_kind("Service")
            if all(
                s["metadata"]["labels"].get(k) == v
                for k, v in monitor["spec"]["selector"]["matchLabels"].items()
            )
        ]
        assert len(selected) == 1, "the ServiceMonitor must select exactly the ClusterIP Service"
        service = selected[0]
        assert [e["port"] for e in monitor["spec"]["endpoints"]] == ["admin"]
        assert "admin" in [p["name"] for p in service["spec"]["ports"]]
        assert service["metadata"]["labels"][monitor["spec"]["jobLabel"]] == "webapp", (
            'rules and dashboards select job="webapp"'
        )

    def test_rules_in_the_chart_are_the_rule_files(self):
        rule = self.of_kind("PrometheusRule")[0]
        expected = [
            g["name"]
            for p in sorted(RULES_DIR.glob("*.yaml"))
            for g in yaml.safe_load(p.read_text())["groups"]
        ]
        assert sorted(g["name"] for g in rule["spec"]["groups"]) == sorted(expected)

    def test_dashboards_reach_the_grafana_sidecar_with_a_folder(self):
        sidecar = self.kps["grafana"]["sidecar"]["dashboards"]
        assert sidecar["provider"]["foldersFromFilesStructure"]
        assert sidecar["searchNamespace"] == "ALL"
        maps = [
            c
            for c in self.of_kind("ConfigMap")
            if c["metadata"].get("labels", {}).get(sidecar["label"]) == sidecar["labelValue"]
        ]
        dashboards = sorted(
            p.name for p in (ROOT / "charts/webapp/files/dashboards").glob("*.json")
        )
        assert sorted(k for c in maps for k in c["data"]) == dashboards
        for config_map in maps:
            assert len(config_map["data"]) == 1, "one dashboard per ConfigMap"
            assert config_map["metadata"].get("annotations", {}).get(sidecar["folderAnnotation"])

    def test_network_policy_admits_prometheus_from_the_monitoring_namespace(self):
        policies = self.of_kind("NetworkPolicy")
        assert policies
        text = yaml.safe_dump(policies)
        assert "kubernetes.io/metadata.name: monitoring" in text
