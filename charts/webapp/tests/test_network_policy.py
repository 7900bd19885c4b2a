"""Who may reach the pods: the NetworkPolicy and the TargetGroupBinding's security-group rules."""

import chartlib
import pytest
from chartlib import render

EKS_SUBNETS = chartlib.values("eks")["loadBalancer"]["healthCheckCIDRs"]
# What kube-prometheus-stack's own Service and PodDisruptionBudget select its Prometheus pods by:
# the operator's labels, for the stack's Prometheus named after its release.
PROMETHEUS_POD_LABELS = {
    "app.kubernetes.io/name": "prometheus",
    "operator.prometheus.io/name": "kube-prometheus-stack-prometheus",
}


def policy(*overrides, profile="eks"):
    (found,) = [
        doc
        for doc in render(profile, *overrides)
        if doc["kind"] == "NetworkPolicy" and doc["metadata"]["name"] == chartlib.RELEASE
    ]
    return found


def peers_for(port, *overrides, profile="eks"):
    (rule,) = [
        rule
        for rule in policy(*overrides, profile=profile)["spec"]["ingress"]
        if rule["ports"] == [{"port": port, "protocol": "TCP"}]
    ]
    return rule["from"]


def cidrs(peers):
    return [peer["ipBlock"]["cidr"] for peer in peers if "ipBlock" in peer]


def test_two_ingress_rules_one_per_port():
    assert len(policy()["spec"]["ingress"]) == 2


def test_app_port_admits_only_the_load_balancer_subnets_without_client_ip_preservation():
    assert chartlib.values("eks")["loadBalancer"]["preserveClientIP"] is False
    peers = peers_for(8080)
    assert cidrs(peers) == EKS_SUBNETS
    assert len(peers) == len(EKS_SUBNETS)


def test_app_port_admits_client_cidrs_when_the_load_balancer_preserves_them():
    peers = peers_for(
        8080,
        "--set",
        "loadBalancer.preserveClientIP=true",
        "--set-json",
        'loadBalancer.clientCIDRs=["198.51.100.0/24"]',
    )
    assert cidrs(peers) == ["198.51.100.0/24"]


def test_app_port_admits_client_cidrs_without_a_load_balancer():
    assert cidrs(peers_for(8080, profile="local")) == ["0.0.0.0/0"]


def test_client_cidrs_that_cannot_filter_are_refused():
    with pytest.raises(chartlib.RenderError) as refused:
        chartlib.render_text("eks", "--set-json", 'loadBalancer.clientCIDRs=["198.51.100.0/24"]')
    message = str(refused.value)
    assert "loadBalancer.clientCIDRs (198.51.100.0/24) cannot filter clients" in message
    assert "loadBalancer.preserveClientIP=true" in message


def test_chart_default_matches_the_terraform_target_group():
    target_group = (chartlib.ROOT / "terraform/modules/nlb/main.tf").read_text()
    assert "preserve_client_ip = false" in target_group
    assert chartlib.values("eks")["loadBalancer"]["preserveClientIP"] is False


def test_admin_port_admits_prometheus_pods_health_checks_and_helm_test_only():
    peers = peers_for(9090)
    prometheus = [peer for peer in peers if "namespaceSelector" in peer]
    assert prometheus == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
            "podSelector": {"matchLabels": PROMETHEUS_POD_LABELS},
        }
    ], "both selectors in one peer: Prometheus pods, and nothing else from monitoring"
    assert cidrs(peers) == EKS_SUBNETS
    helm_test = [peer for peer in peers if set(peer) == {"podSelector"}]
    assert [p["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for p in helm_test] == [
        "helm-test"
    ]
    assert len(peers) == 1 + len(EKS_SUBNETS) + 1


@pytest.mark.parametrize(
    ("release", "prometheus"),
    [
        # kube-prometheus-stack's fullname: the release if it contains the chart name, else
        # "<release>-kube-prometheus-stack", cut to 26 characters; then "-prometheus".
        ("obs", "obs-kube-prometheus-stack-prometheus"),
        ("observability", "observability-kube-prometh-prometheus"),
        ("my-kube-prometheus-stack-production", "my-kube-prometheus-stack-p-prometheus"),
    ],
)
def test_prometheus_pods_follow_the_stack_release_and_namespace(release, prometheus):
    (peer,) = [
        peer
        for peer in peers_for(
            9090,
            "--set-string",
            f"monitoring.release={release}",
            "--set-string",
            "monitoring.namespace=observability",
        )
        if "namespaceSelector" in peer
    ]
    assert peer["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "observability"
    }
    assert peer["podSelector"]["matchLabels"]["operator.prometheus.io/name"] == prometheus


def test_egress_is_dns_only():
    spec = policy()["spec"]
    (rule,) = spec["egress"]
    assert sorted((p["protocol"], p["port"]) for p in rule["ports"]) == [("TCP", 53), ("UDP", 53)]
    (peer,) = rule["to"]
    assert peer["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "kube-system"
    }
    assert peer["podSelector"]["matchLabels"] == {"k8s-app": "kube-dns"}
    assert spec["policyTypes"] == ["Ingress", "Egress"]


def test_target_group_binding_opens_the_app_port_to_the_same_sources():
    docs = render("eks", "--set", "targetGroupBinding.manageSecurityGroupRules=true")
    (binding,) = [doc for doc in docs if doc["kind"] == "TargetGroupBinding"]
    app_rule, health_rule = binding["spec"]["networking"]["ingress"]
    assert [p["ipBlock"]["cidr"] for p in app_rule["from"]] == EKS_SUBNETS
    assert [p["ipBlock"]["cidr"] for p in health_rule["from"]] == EKS_SUBNETS
