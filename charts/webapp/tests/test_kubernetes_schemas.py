"""The Kubernetes schema check is strict and covers every supported version."""

import chart
import chartlib

SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "webapp"},
    "spec": {"ports": [{"name": "http", "port": 8080}]},
}


class TestKubernetesSchemas:
    def test_valid_object_passes_every_version(self):
        assert chart.kubernetes_problems(SERVICE) == []

    def test_unknown_field_fails_every_version(self):
        typo = {**SERVICE, "spec": {"ports": [{"name": "http", "port": 8080, "prot": 8080}]}}
        problems = chart.kubernetes_problems(typo)
        assert len(problems) == len(chartlib.KUBERNETES_VERSIONS)
        assert all("'prot' was unexpected" in problem for problem in problems), problems

    def test_removed_api_version_fails(self):
        old = {**SERVICE, "apiVersion": "policy/v1beta1", "kind": "PodDisruptionBudget"}
        problems = chart.kubernetes_problems(old)
        assert len(problems) == len(chartlib.KUBERNETES_VERSIONS)
        assert all(problem.startswith("no schema for policy/v1beta1") for problem in problems), (
            problems
        )
