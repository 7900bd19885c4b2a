"""Behaviour of the rendered chart, for every profile and for the values that switch behaviour."""

import json
import pathlib
import re
import shutil
import tempfile

import chartlib
import pytest
import yaml
from chartlib import render

DIGEST = "sha256:" + "ab" * 32


def variable_of(key):
    """config.fooBarSeconds is FOO_BAR_SECONDS (contract/generate.py maps the other way)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).upper()


def objects(docs, kind):
    return [doc for doc in docs if doc["kind"] == kind]


def one(docs, kind, name=None):
    found = [doc for doc in objects(docs, kind) if name is None or doc["metadata"]["name"] == name]
    if len(found) != 1:
        raise AssertionError(f"expected one {kind} {name or ''}, found {len(found)}")
    return found[0]


def deployment(docs):
    return one(docs, "Deployment")


def container(docs):
    (app,) = deployment(docs)["spec"]["template"]["spec"]["containers"]
    return app


def env(docs):
    return {item["name"]: item for item in container(docs)["env"]}


def pod_specs(docs):
    """Every pod the chart can start: the Deployment's template and the helm test pod."""
    specs = [
        (f"Deployment/{doc['metadata']['name']}", doc["spec"]["template"]["spec"])
        for doc in objects(docs, "Deployment")
    ]
    specs += [(f"Pod/{doc['metadata']['name']}", doc["spec"]) for doc in objects(docs, "Pod")]
    return specs


def rule_files():
    return sorted((chartlib.CHART / "files" / "rules").glob("*.yaml"))


def dashboard_files():
    return sorted((chartlib.CHART / "files" / "dashboards").glob("*.json"))


def selects(selector, labels):
    return all(labels.get(key) == value for key, value in selector.items())


each_profile = pytest.mark.parametrize("profile", list(chartlib.PROFILES))


class TestEveryProfile:
    """Properties that must hold whichever profile is deployed."""

    @each_profile
    def test_pods_meet_the_restricted_pod_security_standard(self, profile):
        docs = render(profile)
        for name, spec in pod_specs(docs):
            pod_context = spec["securityContext"]
            assert pod_context["runAsNonRoot"], name
            assert pod_context["runAsUser"] == 65532, name
            assert pod_context["runAsGroup"] == 65532, name
            assert pod_context["seccompProfile"] == {"type": "RuntimeDefault"}, name
            assert not spec["automountServiceAccountToken"], name
            for forbidden in ("hostNetwork", "hostPID", "hostIPC", "volumes"):
                assert forbidden not in spec, name
            for item in spec["containers"]:
                context = item["securityContext"]
                assert context["allowPrivilegeEscalation"] is False, name
                assert context["readOnlyRootFilesystem"] is True, name
                assert context["runAsNonRoot"], name
                assert context["capabilities"] == {"drop": ["ALL"]}, name
                assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
                assert "privileged" not in context, name
                assert all("hostPort" not in port for port in item.get("ports", [])), name
                assert item["resources"]["requests"], name
                assert item["resources"]["limits"], name

    @each_profile
    def test_service_account_is_dedicated_and_mounts_no_token(self, profile):
        docs = render(profile)
        account = one(docs, "ServiceAccount")
        assert account["automountServiceAccountToken"] is False
        pod = deployment(docs)["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == account["metadata"]["name"]

    @each_profile
    def test_probes_hit_the_admin_port(self, profile):
        docs = render(profile)
        admin = chartlib.values(profile)["ports"]["admin"]
        app = container(docs)
        ports = {port["name"]: port["containerPort"] for port in app["ports"]}
        assert ports["admin"] == admin
        expected = {
            "startupProbe": "/healthz",
            "readinessProbe": "/readyz",
            "livenessProbe": "/healthz",
        }
        for probe, path in expected.items():
            check = app[probe]["httpGet"]
            assert check["port"] in ("admin", admin), probe
            assert check["path"] == path, probe

    @each_profile
    def test_grace_period_covers_prestop_drain_and_shutdown(self, profile):
        docs = render(profile)
        self.assert_grace_period_holds(docs)

    def assert_grace_period_holds(self, docs):
        pod = deployment(docs)["spec"]["template"]["spec"]
        variables = env(docs)
        needed = (
            container(docs)["lifecycle"]["preStop"]["sleep"]["seconds"]
            + int(variables["DRAIN_DELAY_SECONDS"]["value"])
            + int(variables["SHUTDOWN_TIMEOUT_SECONDS"]["value"])
        )
        assert pod["terminationGracePeriodSeconds"] >= needed

    @each_profile
    def test_prestop_is_a_native_sleep(self, profile):
        docs = render(profile)
        assert set(container(docs)["lifecycle"]["preStop"]) == {"sleep"}

    @each_profile
    def test_config_reaches_the_container_with_the_pod_identity(self, profile):
        docs = render(profile)
        values = chartlib.values(profile)
        variables = env(docs)
        assert variables["APP_PORT"]["value"] == str(values["ports"]["http"])
        assert variables["ADMIN_PORT"]["value"] == str(values["ports"]["admin"])
        assert values["config"], "no config values"
        for key in values["config"]:
            name = variable_of(key)
            expected = values["config"][key]
            expected = str(expected).lower() if isinstance(expected, bool) else str(expected)
            assert variables[name]["value"] == expected, name
        assert variables["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
        assert (
            variables["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
        )
        assert variables["FAULT_INJECTION"]["value"] == "false"

    @each_profile
    def test_the_memory_limit_reaches_the_service(self, profile):
        """The default connection limit is derived from it (MAX_CONNECTIONS=0)."""
        variables = env(render(profile))
        source = variables["MEMORY_LIMIT_BYTES"]["valueFrom"]["resourceFieldRef"]
        assert source == {"resource": "limits.memory"}
        assert variables["MAX_CONNECTIONS"]["value"] == "0"

    @each_profile
    def test_rollout_never_drops_below_desired_capacity(self, profile):
        docs = render(profile)
        spec = deployment(docs)["spec"]
        assert spec["strategy"]["type"] == "RollingUpdate"
        assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
        assert "revisionHistoryLimit" in spec

    @each_profile
    def test_load_balancers_never_get_the_admin_port(self, profile):
        docs = render(profile)
        admin = chartlib.values(profile)["ports"]["admin"]
        services = {doc["metadata"]["name"]: doc for doc in objects(docs, "Service")}
        for binding in objects(docs, "TargetGroupBinding"):
            ref = binding["spec"]["serviceRef"]
            assert ref["port"] == "http"
            (port,) = [
                p for p in services[ref["name"]]["spec"]["ports"] if p["name"] == ref["port"]
            ]
            assert port["targetPort"] not in ("admin", admin)
        for service in services.values():
            if service["spec"]["type"] == "LoadBalancer":
                for port in service["spec"]["ports"]:
                    assert port["name"] == "http"
                    assert port["targetPort"] not in ("admin", admin)
                    assert port["port"] != admin

    @each_profile
    def test_service_monitor_selects_the_cluster_service_by_port_name(self, profile):
        docs = render(profile)
        monitors = objects(docs, "ServiceMonitor")
        if not chartlib.values(profile)["monitoring"]["serviceMonitor"]["enabled"]:
            assert monitors == []
            return
        (monitor,) = monitors
        selector = monitor["spec"]["selector"]["matchLabels"]
        selected = [
            doc for doc in objects(docs, "Service") if selects(selector, doc["metadata"]["labels"])
        ]
        assert [doc["spec"]["type"] for doc in selected] == ["ClusterIP"]
        port_names = [port["name"] for port in selected[0]["spec"]["ports"]]
        assert [endpoint["port"] for endpoint in monitor["spec"]["endpoints"]] == ["admin"]
        assert "admin" in port_names
        assert monitor["spec"]["namespaceSelector"]["matchNames"] == [chartlib.NAMESPACE]
        assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        # The rules and dashboards select job="webapp": the Service label that jobLabel names.
        assert selected[0]["metadata"]["labels"][monitor["spec"]["jobLabel"]] == "webapp"

    @each_profile
    def test_services_route_only_to_the_service_pods(self, profile):
        docs = render(profile)
        pod_labels = deployment(docs)["spec"]["template"]["metadata"]["labels"]
        for service in objects(docs, "Service"):
            assert selects(service["spec"]["selector"], pod_labels)
            for test_pod in objects(docs, "Pod"):
                assert not selects(service["spec"]["selector"], test_pod["metadata"]["labels"])

    @each_profile
    def test_namespaced_objects_name_the_release_namespace(self, profile):
        docs = render(profile)
        dashboards_namespace = chartlib.values(profile)["monitoring"]["dashboards"]["namespace"]
        for doc in docs:
            expected = (
                dashboards_namespace if doc["metadata"]["labels"].get("grafana_dashboard") else ""
            )
            assert doc["metadata"]["namespace"] == (expected or chartlib.NAMESPACE), doc[
                "metadata"
            ]["name"]

    @each_profile
    def test_helm_test_probes_readyz_through_the_service_with_the_same_image(self, profile):
        docs = render(profile)
        (pod,) = objects(docs, "Pod")
        assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
        (probe,) = pod["spec"]["containers"]
        assert probe["image"] == container(docs)["image"]
        assert "command" not in probe
        service = one(docs, "Service", "webapp")["metadata"]["name"]
        admin = chartlib.values(profile)["ports"]["admin"]
        assert probe["args"] == [
            "probe",
            f"http://{service}.{chartlib.NAMESPACE}.svc:{admin}/readyz",
        ]

    @each_profile
    def test_no_image_is_latest(self, profile):
        docs = render(profile)
        for _, spec in pod_specs(docs):
            for item in spec["containers"]:
                assert item["image"].rpartition(":")[2] != "latest", item["image"]


class TestProfiles:
    def test_eks_is_production(self):
        docs = render("eks")
        assert "replicas" not in deployment(docs)["spec"]
        assert one(docs, "HorizontalPodAutoscaler")["spec"]["minReplicas"] >= 3
        one(docs, "PodDisruptionBudget")
        one(docs, "TargetGroupBinding")
        one(docs, "NetworkPolicy", "webapp")
        assert all(doc["spec"]["type"] == "ClusterIP" for doc in objects(docs, "Service"))

    def test_local_is_one_replica_without_load_balancer(self):
        docs = render("local")
        assert deployment(docs)["spec"]["replicas"] == 1
        for kind in (
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "TargetGroupBinding",
            "ServiceMonitor",
            "PrometheusRule",
        ):
            assert objects(docs, kind) == [], kind
        assert all(doc["spec"]["type"] == "ClusterIP" for doc in objects(docs, "Service"))

    def test_load_balancer_service_profile_replaces_the_binding(self):
        docs = render("eks-load-balancer-service")
        assert objects(docs, "TargetGroupBinding") == []
        public = one(docs, "Service", "webapp-public")
        annotations = public["metadata"]["annotations"]
        prefix = "service.beta.kubernetes.io/aws-load-balancer-"
        assert annotations[prefix + "type"] == "external"
        assert annotations[prefix + "nlb-target-type"] == "ip"
        assert annotations[prefix + "scheme"] == "internet-facing"
        assert annotations[prefix + "healthcheck-port"] == "9090"
        assert annotations[prefix + "healthcheck-protocol"] == "http"
        assert annotations[prefix + "healthcheck-path"] == "/readyz"
        assert public["spec"]["type"] == "LoadBalancer"


class TestAutoscaling:
    def test_hpa_removes_replicas(self):
        docs = render("eks")
        assert "replicas" not in deployment(docs)["spec"]
        hpa = one(docs, "HorizontalPodAutoscaler")
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"]["name"] == deployment(docs)["metadata"]["name"]

    def test_without_hpa_the_deployment_sets_replicas(self):
        docs = render("eks", "--set", "autoscaling.enabled=false", "--set", "replicaCount=4")
        assert deployment(docs)["spec"]["replicas"] == 4
        assert objects(docs, "HorizontalPodAutoscaler") == []

    def test_cpu_target_with_optional_memory(self):
        metrics = one(render("eks"), "HorizontalPodAutoscaler")["spec"]["metrics"]
        assert [m["resource"]["name"] for m in metrics] == ["cpu"]
        docs = render("eks", "--set", "autoscaling.targetMemoryUtilizationPercentage=80")
        metrics = one(docs, "HorizontalPodAutoscaler")["spec"]["metrics"]
        assert {
            m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in metrics
        } == {"cpu": 70, "memory": 80}

    def test_fast_scale_up_and_stabilised_scale_down(self):
        behavior = one(render("eks"), "HorizontalPodAutoscaler")["spec"]["behavior"]
        assert behavior["scaleUp"]["stabilizationWindowSeconds"] == 0
        assert behavior["scaleDown"]["stabilizationWindowSeconds"] >= 300


class TestDisruptionAndSpread:
    def pdbs(self, *overrides):
        return objects(render("eks", *overrides), "PodDisruptionBudget")

    def test_pdb_appears_when_more_than_one_replica_can_run(self):
        assert len(self.pdbs()) == 1
        assert len(self.pdbs("--set", "autoscaling.enabled=false", "--set", "replicaCount=2")) == 1
        assert (
            len(
                self.pdbs(
                    "--set", "autoscaling.minReplicas=1", "--set", "autoscaling.maxReplicas=2"
                )
            )
            == 1
        )

    def test_no_pdb_for_a_single_replica(self):
        assert self.pdbs("--set", "autoscaling.enabled=false", "--set", "replicaCount=1") == []
        assert (
            self.pdbs("--set", "autoscaling.minReplicas=1", "--set", "autoscaling.maxReplicas=1")
            == []
        )

    def test_pdb_selects_the_pods(self):
        docs = render("eks")
        selector = one(docs, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"]
        assert selects(selector, deployment(docs)["spec"]["template"]["metadata"]["labels"])

    def test_spread_across_zones_and_nodes(self):
        constraints = deployment(render("eks"))["spec"]["template"]["spec"][
            "topologySpreadConstraints"
        ]
        assert {c["topologyKey"] for c in constraints} == {
            "topology.kubernetes.io/zone",
            "kubernetes.io/hostname",
        }


class TestImage:
    def image(self, *overrides):
        return container(render("eks", *overrides))["image"]

    def test_digest_overrides_tag(self):
        image = self.image("--set", "image.tag=1.2.3", "--set", f"image.digest={DIGEST}")
        assert image.endswith("/webapp@" + DIGEST), image
        assert "1.2.3" not in image

    def test_tag_when_no_digest(self):
        image = self.image("--set", "image.tag=1.2.3", "--set", "image.digest=")
        assert image.endswith("/webapp:1.2.3"), image


class TestGracePeriod:
    def test_exact_sum_is_accepted(self):
        docs = render(
            "eks",
            "--set",
            "preStopSleepSeconds=10",
            "--set",
            "config.drainDelaySeconds=5",
            "--set",
            "config.shutdownTimeoutSeconds=20",
            "--set",
            "terminationGracePeriodSeconds=35",
        )
        assert deployment(docs)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 35
        TestEveryProfile().assert_grace_period_holds(docs)

    def test_one_second_short_is_refused(self):
        with pytest.raises(
            chartlib.RenderError, match=r"terminationGracePeriodSeconds \(34\) must be at least"
        ):
            render(
                "eks",
                "--set",
                "preStopSleepSeconds=10",
                "--set",
                "config.drainDelaySeconds=5",
                "--set",
                "config.shutdownTimeoutSeconds=20",
                "--set",
                "terminationGracePeriodSeconds=34",
            )


class TestMonitoring:
    """Expectations come from the files present, so they stay true as rules and dashboards are added."""

    def test_prometheus_rule_carries_every_group_of_every_rule_file(self):
        expected = []
        for path in rule_files():
            expected += yaml.safe_load(path.read_text())["groups"]
        rules = objects(render("eks"), "PrometheusRule")
        if not expected:
            assert rules == []
            return
        (rule,) = rules
        assert rule["spec"]["groups"] == expected
        assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"

    def test_release_label_is_configurable(self):
        docs = render("eks", "--set", "monitoring.release=monitoring-stack")
        for kind in ("ServiceMonitor", "PrometheusRule"):
            for doc in objects(docs, kind):
                assert doc["metadata"]["labels"]["release"] == "monitoring-stack"

    def test_one_configmap_per_dashboard(self):
        maps = [
            doc
            for doc in objects(render("eks"), "ConfigMap")
            if doc["metadata"]["labels"].get("grafana_dashboard") == "1"
        ]
        files = dashboard_files()
        assert len(maps) == len(files)
        by_key = {key: (doc, text) for doc in maps for key, text in doc["data"].items()}
        assert sorted(by_key) == [path.name for path in files]
        for path in files:
            doc, text = by_key[path.name]
            assert json.loads(text) == json.loads(path.read_text()), path.name
            assert doc["metadata"]["annotations"]["grafana_folder"] == "webapp"

    def test_monitoring_toggles(self):
        docs = render(
            "eks",
            "--set",
            "monitoring.serviceMonitor.enabled=false",
            "--set",
            "monitoring.prometheusRule.enabled=false",
            "--set",
            "monitoring.dashboards.enabled=false",
        )
        for kind in ("ServiceMonitor", "PrometheusRule", "ConfigMap"):
            assert objects(docs, kind) == [], kind


class TestMonitoringFiles:
    """Rule and dashboard files the chart must refuse or handle, tried on a copy of the chart."""

    def setup_method(self):
        self.workdir = tempfile.TemporaryDirectory()
        self.chart = pathlib.Path(self.workdir.name) / "webapp"
        shutil.copytree(
            chartlib.CHART, self.chart, ignore=shutil.ignore_patterns("tests", "__pycache__")
        )
        self.rules = self.chart / "files" / "rules"
        self.dashboards = self.chart / "files" / "dashboards"
        for folder in (self.rules, self.dashboards):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)

    def tearDown(self):
        self.workdir.cleanup()

    def render_copy(self):
        text = chartlib.helm(
            "template",
            chartlib.RELEASE,
            str(self.chart),
            "--namespace",
            chartlib.NAMESPACE,
            "-f",
            str(chartlib.CHART / "ci" / "eks-deploy-values.yaml"),
        )
        return [doc for doc in yaml.safe_load_all(text) if doc]

    def write_rules(self, name, text):
        (self.rules / name).write_text(text)

    def test_no_rule_files_no_prometheus_rule(self):
        assert objects(self.render_copy(), "PrometheusRule") == []

    def test_groups_of_all_files_in_file_order(self):
        self.write_rules(
            "b.yaml",
            "groups:\n  - name: second\n    rules:\n      - record: b\n        expr: vector(1)\n",
        )
        self.write_rules(
            "a.yaml",
            "groups:\n  - name: first\n    rules:\n      - record: a\n        expr: vector(1)\n",
        )
        (rule,) = objects(self.render_copy(), "PrometheusRule")
        assert [group["name"] for group in rule["spec"]["groups"]] == ["first", "second"]

    def test_duplicate_group_names_are_refused(self):
        group = "groups:\n  - name: same\n    rules:\n      - record: x\n        expr: vector(1)\n"
        self.write_rules("a.yaml", group)
        self.write_rules("b.yaml", group)
        with pytest.raises(
            chartlib.RenderError,
            match='rule group "same" appears in both files/rules/a.yaml and files/rules/b.yaml',
        ):
            self.render_copy()

    def test_a_file_without_groups_is_refused(self):
        self.write_rules("tests.yaml", "rule_files: [a.yaml]\ntests: []\n")
        with pytest.raises(chartlib.RenderError, match="files/rules/tests.yaml has no rule groups"):
            self.render_copy()

    def test_invalid_yaml_is_refused(self):
        self.write_rules("broken.yaml", "groups: [unclosed\n")
        with pytest.raises(chartlib.RenderError, match="files/rules/broken.yaml is not valid YAML"):
            self.render_copy()

    def test_dashboard_configmap_names_are_valid_object_names(self):
        (self.dashboards / "webapp-Web_Latency.json").write_text('{"title": "x"}')
        (config_map,) = objects(self.render_copy(), "ConfigMap")
        assert config_map["metadata"]["name"] == "webapp-dashboard-web-latency"
        assert list(config_map["data"]) == ["webapp-Web_Latency.json"]

    def test_a_dashboard_name_that_is_no_configmap_key_is_refused(self):
        (self.dashboards / "web app.json").write_text('{"title": "x"}')
        with pytest.raises(
            chartlib.RenderError,
            match="files/dashboards/web app.json: a dashboard file name may hold only",
        ):
            self.render_copy()


class TestNotes:
    """NOTES.txt, as `helm install` prints it, tells how to reach the service for each exposure."""

    def notes(self, profile):
        output = chartlib.helm(
            "install",
            chartlib.RELEASE,
            str(chartlib.CHART),
            "--namespace",
            chartlib.NAMESPACE,
            "--dry-run=client",
            *chartlib.profile_args(profile),
        )
        return output.split("\nNOTES:\n", 1)[1]

    @each_profile
    def test_every_profile_shows_the_port_forward_and_helm_test(self, profile):
        notes = self.notes(profile)
        assert "kubectl -n webapp port-forward service/webapp 8080:http 9090:admin" in notes
        assert "helm test webapp -n webapp" in notes

    def test_each_exposure_shows_its_address(self):
        assert "terraform output -raw app_url" in self.notes("eks")
        assert "webapp-public" not in self.notes("eks")
        assert "get service webapp-public" in self.notes("eks-load-balancer-service")
        assert "app_url" not in self.notes("local")
