"""Pod and monitoring options: affinity, extraEnv and the ServiceMonitor's additional labels."""

import json

import chartlib
import pytest
from chartlib import render

SCHEMA_HEADER = "values don't meet the specifications of the schema"
NODE_AFFINITY = {
    "nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [
                {
                    "matchExpressions": [
                        {
                            "key": "karpenter.sh/capacity-type",
                            "operator": "In",
                            "values": ["on-demand"],
                        }
                    ]
                }
            ]
        }
    }
}


def of_kind(docs, kind):
    (found,) = [doc for doc in docs if doc["kind"] == kind]
    return found


def pod_spec(*overrides):
    return of_kind(render("eks", *overrides), "Deployment")["spec"]["template"]["spec"]


def refused(*overrides):
    with pytest.raises(chartlib.RenderError) as caught:
        chartlib.render_text("eks", *overrides)
    return str(caught.value)


def test_affinity_reaches_the_pods():
    assert "affinity" not in pod_spec()
    assert (
        pod_spec("--set-json", f"affinity={json.dumps(NODE_AFFINITY)}")["affinity"] == NODE_AFFINITY
    )


def test_affinity_takes_only_the_three_affinity_kinds():
    message = refused("--set-json", 'affinity={"nodeAfinity": {}}')
    assert SCHEMA_HEADER in message
    assert "at '/affinity': additional properties 'nodeAfinity' not allowed" in message


def test_extra_env_is_appended_after_the_chart_settings():
    extra = [
        {"name": "OTEL_SERVICE_NAME", "value": "webapp"},
        {"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
    ]
    (container,) = pod_spec("--set-json", f"extraEnv={json.dumps(extra)}")["containers"]
    assert container["env"][-2:] == extra
    names = [item["name"] for item in container["env"]]
    assert len(names) == len(set(names))


def test_extra_env_may_not_replace_a_chart_setting():
    message = refused("--set-json", 'extraEnv=[{"name": "RUST_LOG", "value": "debug"}]')
    assert "extraEnv sets RUST_LOG, which the chart sets from its own values" in message


def test_every_variable_the_chart_sets_is_protected():
    (container,) = pod_spec()["containers"]
    for item in container["env"]:
        overriding = json.dumps([{"name": item["name"], "value": "x"}])
        assert f"extraEnv sets {item['name']}, which the chart sets" in refused(
            "--set-json", f"extraEnv={overriding}"
        )


def test_extra_env_may_not_set_a_name_twice():
    twice = '[{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]'
    assert "extraEnv sets A twice" in refused("--set-json", f"extraEnv={twice}")


@pytest.mark.parametrize(
    ("item", "path"),
    [
        ({"name": "A"}, "/extraEnv/0"),
        ({"name": "A", "value": "x", "valueFrom": {"fieldRef": {}}}, "/extraEnv/0"),
        ({"name": "A", "value": 1}, "/extraEnv/0/value"),
        ({"name": "1A=", "value": "x"}, "/extraEnv/0/name"),
        ({"name": "A", "valu": "x"}, "/extraEnv/0"),
    ],
)
def test_extra_env_items_are_env_vars(item, path):
    message = refused("--set-json", f"extraEnv=[{json.dumps(item)}]")
    assert SCHEMA_HEADER in message
    assert f"at '{path}'" in message


def test_service_monitor_additional_labels_are_added_and_the_release_label_wins():
    labels = of_kind(
        render(
            "eks",
            "--set-string",
            "monitoring.serviceMonitor.additionalLabels.team=platform",
            "--set-string",
            "monitoring.serviceMonitor.additionalLabels.release=other",
        ),
        "ServiceMonitor",
    )["metadata"]["labels"]
    assert labels["team"] == "platform"
    assert labels["release"] == "kube-prometheus-stack"
    assert labels["app.kubernetes.io/component"] == "server"


def test_service_monitor_additional_labels_are_strings():
    message = refused("--set", "monitoring.serviceMonitor.additionalLabels.tier=3")
    assert SCHEMA_HEADER in message
    assert "at '/monitoring/serviceMonitor/additionalLabels/tier'" in message
