"""Synthetic series of a healthy two-node EKS cluster running the platform and the webapp.

What exists on EKS and nothing else: the API server (two endpoints behind the `kubernetes`
Service), the kubelets with cAdvisor, CoreDNS, kube-state-metrics, node-exporter, the
Prometheus operator, Prometheus, Alertmanager, Grafana, the AWS Load Balancer Controller and the
webapp. No kube-controller-manager, kube-scheduler or etcd targets (EKS runs them out of the
cluster) and no kube-proxy target (the add-on serves its metrics on loopback only).

Every series is sampled once a minute for HOURS hours. `stopped` names jobs whose targets fail
their scrapes (up 0), for the companion tests that show a fault is caught.
"""

HOURS = 6
SAMPLES = HOURS * 60
NODES = ("ip-10-0-1-10.eu-west-1.compute.internal", "ip-10-0-2-10.eu-west-1.compute.internal")
NODE_IPS = ("10.0.1.10", "10.0.2.10")
WEBAPP_PODS = ("webapp-7d9f8b6c5-2xkqz", "webapp-7d9f8b6c5-8mzvw", "webapp-7d9f8b6c5-qj4tn")
WEBAPP_PODS_IPS = ("10.0.1.21", "10.0.2.22", "10.0.1.23")


def labels(name: str, **pairs: str) -> str:
    inner = ", ".join(f'{key}="{value}"' for key, value in pairs.items())
    return f"{name}{{{inner}}}"


def constant(value: float) -> str:
    return f"{value}x{SAMPLES}"


def counter(per_minute: float) -> str:
    return f"0+{per_minute}x{SAMPLES}"


# (job, namespace, service, [(instance, extra labels)]): one target each.
def targets() -> list[tuple[str, str, str, list[tuple[str, dict[str, str]]]]]:
    kubelet = [
        (f"{ip}:10250", {"node": node, "metrics_path": path})
        for ip, node in zip(NODE_IPS, NODES, strict=True)
        for path in ("/metrics", "/metrics/cadvisor", "/metrics/probes")
    ]
    return [
        ("apiserver", "default", "kubernetes", [("10.0.3.4:443", {}), ("10.0.4.5:443", {})]),
        ("kubelet", "kube-system", "kube-prometheus-stack-kubelet", kubelet),
        (
            "coredns",
            "kube-system",
            "kube-prometheus-stack-coredns",
            [("10.0.1.31:9153", {}), ("10.0.2.32:9153", {})],
        ),
        (
            "kube-state-metrics",
            "monitoring",
            "kube-prometheus-stack-kube-state-metrics",
            [("10.0.1.41:8080", {})],
        ),
        (
            "node-exporter",
            "monitoring",
            "kube-prometheus-stack-prometheus-node-exporter",
            [(f"{ip}:9100", {"node": node}) for ip, node in zip(NODE_IPS, NODES, strict=True)],
        ),
        (
            "kube-prometheus-stack-operator",
            "monitoring",
            "kube-prometheus-stack-operator",
            [("10.0.2.42:10250", {})],
        ),
        (
            "kube-prometheus-stack-prometheus",
            "monitoring",
            "kube-prometheus-stack-prometheus",
            [("10.0.1.43:9090", {"pod": "prometheus-kube-prometheus-stack-prometheus-0"})],
        ),
        (
            "kube-prometheus-stack-alertmanager",
            "monitoring",
            "kube-prometheus-stack-alertmanager",
            [("10.0.2.44:9093", {"pod": "alertmanager-kube-prometheus-stack-alertmanager-0"})],
        ),
        (
            "kube-prometheus-stack-grafana",
            "monitoring",
            "kube-prometheus-stack-grafana",
            [("10.0.1.45:3000", {})],
        ),
        (
            "aws-load-balancer-controller",
            "kube-system",
            "aws-load-balancer-controller",
            [("10.0.1.46:8080", {}), ("10.0.2.47:8080", {})],
        ),
        (
            "webapp",
            "webapp",
            "webapp",
            [
                (f"{ip}:9090", {"pod": pod})
                for ip, pod in zip(WEBAPP_PODS_IPS, WEBAPP_PODS, strict=True)
            ],
        ),
    ]


def scrape_series(stopped: frozenset[str]) -> list[dict]:
    return [
        {
            "series": labels(
                "up", job=job, namespace=namespace, service=service, instance=instance, **extra
            ),
            "values": constant(0 if job in stopped else 1),
        }
        for job, namespace, service, instances in targets()
        for instance, extra in instances
    ]


def node_series() -> list[dict]:
    series = []
    for node, ip in zip(NODES, NODE_IPS, strict=True):
        state = {"job": "kube-state-metrics", "namespace": "monitoring", "node": node}
        for condition, healthy in (
            ("Ready", "true"),
            ("MemoryPressure", "false"),
            ("DiskPressure", "false"),
            ("PIDPressure", "false"),
        ):
            for status in ("true", "false", "unknown"):
                series.append(
                    {
                        "series": labels(
                            "kube_node_status_condition",
                            **state,
                            condition=condition,
                            status=status,
                        ),
                        "values": constant(1 if status == healthy else 0),
                    }
                )
        series += [
            {"series": labels("kube_node_info", **state), "values": constant(1)},
            {"series": labels("kube_node_spec_unschedulable", **state), "values": constant(0)},
            {
                "series": labels("kube_node_status_capacity", **state, resource="pods"),
                "values": constant(35),
            },
        ]
        exporter = {"job": "node-exporter", "namespace": "monitoring", "instance": f"{ip}:9100"}
        for mountpoint, device in (("/", "/dev/nvme0n1p1"), ("/boot/efi", "/dev/nvme0n1p128")):
            disk = {**exporter, "mountpoint": mountpoint, "device": device, "fstype": "xfs"}
            series += [
                {"series": labels("node_filesystem_size_bytes", **disk), "values": constant(32e9)},
                {"series": labels("node_filesystem_avail_bytes", **disk), "values": constant(20e9)},
                {"series": labels("node_filesystem_files", **disk), "values": constant(16e6)},
                {"series": labels("node_filesystem_files_free", **disk), "values": constant(15e6)},
                {"series": labels("node_filesystem_readonly", **disk), "values": constant(0)},
            ]
        series += [
            {"series": labels("node_timex_offset_seconds", **exporter), "values": constant(0)},
            {"series": labels("node_timex_sync_status", **exporter), "values": constant(1)},
            {"series": labels("node_timex_maxerror_seconds", **exporter), "values": constant(0.01)},
            {"series": labels("node_load1", **exporter), "values": constant(0.3)},
            {"series": labels("node_memory_MemTotal_bytes", **exporter), "values": constant(8e9)},
            {
                "series": labels("node_memory_MemAvailable_bytes", **exporter),
                "values": constant(5e9),
            },
            {"series": labels("node_nf_conntrack_entries", **exporter), "values": constant(900)},
            {
                "series": labels("node_nf_conntrack_entries_limit", **exporter),
                "values": constant(131072),
            },
        ]
    return series


def workload_series() -> list[dict]:
    state = {"job": "kube-state-metrics", "namespace": "webapp"}
    series = []
    for deployment, namespace, replicas in (
        ("webapp", "webapp", 3),
        ("coredns", "kube-system", 2),
        ("aws-load-balancer-controller", "kube-system", 2),
        ("kube-prometheus-stack-grafana", "monitoring", 1),
        ("kube-prometheus-stack-operator", "monitoring", 1),
        ("kube-prometheus-stack-kube-state-metrics", "monitoring", 1),
    ):
        where = {**state, "namespace": namespace, "deployment": deployment}
        for name in (
            "kube_deployment_spec_replicas",
            "kube_deployment_status_replicas",
            "kube_deployment_status_replicas_available",
            "kube_deployment_status_replicas_updated",
        ):
            series.append({"series": labels(name, **where), "values": constant(replicas)})
        for name in (
            "kube_deployment_metadata_generation",
            "kube_deployment_status_observed_generation",
        ):
            series.append({"series": labels(name, **where), "values": constant(4)})
    for pod in WEBAPP_PODS:
        where = {**state, "pod": pod, "container": "webapp"}
        series += [
            {
                "series": labels("kube_pod_status_phase", **state, pod=pod, phase="Running"),
                "values": constant(1),
            },
            {
                "series": labels("kube_pod_container_status_restarts_total", **where),
                "values": constant(0),
            },
            {"series": labels("kube_pod_container_status_ready", **where), "values": constant(1)},
        ]
    return series


def webapp_traffic() -> list[dict]:
    series = []
    for pod, ip in zip(WEBAPP_PODS, WEBAPP_PODS_IPS, strict=True):
        target = {"job": "webapp", "namespace": "webapp", "pod": pod, "instance": f"{ip}:9090"}
        route = {**target, "route": "/", "method": "GET"}
        series += [
            # 600 requests a minute per pod, a 5xx every other minute (0.08 %, inside 99.9 %).
            {
                "series": labels("http_requests_total", **route, status="200"),
                "values": counter(600),
            },
            {
                "series": labels("http_requests_total", **route, status="503"),
                "values": counter(0.5),
            },
            # 0.5 % slower than 250 ms (inside 99 %).
            {
                "series": labels("http_request_duration_seconds_bucket", **route, le="0.05"),
                "values": counter(580),
            },
            {
                "series": labels("http_request_duration_seconds_bucket", **route, le="0.25"),
                "values": counter(597.5),
            },
            {
                "series": labels("http_request_duration_seconds_bucket", **route, le="+Inf"),
                "values": counter(600.5),
            },
            {
                "series": labels("http_request_duration_seconds_count", **route),
                "values": counter(600.5),
            },
            {
                "series": labels("http_request_duration_seconds_sum", **route),
                "values": counter(18),
            },
        ]
    return series


def series(stopped: frozenset[str] = frozenset()) -> list[dict]:
    return scrape_series(stopped) + node_series() + workload_series() + webapp_traffic()
