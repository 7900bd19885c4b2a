"""Bad values are refused, each with a message that names the value and says what is wrong."""

import json

import chartlib
import pytest
import yaml

SCHEMA_HEADER = "values don't meet the specifications of the schema"


def leaf_paths(values, prefix=""):
    """Dotted paths of every value in values.yaml (maps are walked, lists and scalars are leaves)."""
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from leaf_paths(value, path + ".")
        else:
            yield path


def schema_paths(schema, definitions, prefix=""):
    """Dotted paths of every closed-object property the schema declares."""
    if "$ref" in schema:
        schema = definitions[schema["$ref"].rsplit("/", 1)[1]]
    for key, child in schema.get("properties", {}).items():
        resolved = definitions[child["$ref"].rsplit("/", 1)[1]] if "$ref" in child else child
        if resolved.get("properties") and resolved.get("additionalProperties") is False:
            yield from schema_paths(resolved, definitions, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


class TestRejections:
    def refused(self, *overrides, profile="eks"):
        with pytest.raises(chartlib.RenderError) as caught:
            chartlib.render_text(profile, *overrides)
        return str(caught.value)

    def assert_schema_refuses(self, overrides, path, reason):
        message = self.refused(*overrides)
        assert SCHEMA_HEADER in message
        assert f"at '{path}'" in message
        assert reason in message

    def test_wrong_type(self):
        self.assert_schema_refuses(
            ["--set", "replicaCount=three"], "/replicaCount", "got string, want integer"
        )
        self.assert_schema_refuses(
            ["--set-string", "config.faultInjection=yes"],
            "/config/faultInjection",
            "got string, want boolean",
        )

    def test_unknown_key(self):
        self.assert_schema_refuses(
            ["--set", "image.tagg=1.2.3"], "/image", "additional properties 'tagg' not allowed"
        )
        self.assert_schema_refuses(
            ["--set", "replicas=3"], "", "additional properties 'replicas' not allowed"
        )

    def test_negative_replicas(self):
        self.assert_schema_refuses(
            ["--set", "autoscaling.enabled=false", "--set", "replicaCount=-1"],
            "/replicaCount",
            "minimum: got -1, want 1",
        )
        self.assert_schema_refuses(
            ["--set", "autoscaling.minReplicas=-2"],
            "/autoscaling/minReplicas",
            "minimum: got -2, want 1",
        )

    def test_enums_and_patterns(self):
        self.assert_schema_refuses(
            ["--set", "config.logFormat=xml"],
            "/config/logFormat",
            "value must be one of 'json', 'pretty'",
        )
        self.assert_schema_refuses(
            ["--set", "image.digest=sha256:abc"], "/image/digest", "does not match pattern"
        )
        self.assert_schema_refuses(
            ["--set", "image.repository=webapp:1.2.3"],
            "/image/repository",
            "does not match pattern",
        )
        self.assert_schema_refuses(["--set", "maxSurge=0"], "/maxSurge", "minimum: got 0, want 1")
        self.assert_schema_refuses(
            ["--set-json", 'loadBalancer.clientCIDRs=["everyone"]'],
            "/loadBalancer/clientCIDRs/0",
            "does not match pattern",
        )

    def test_empty_tag(self):
        message = self.refused("--set", "image.tag=", "--set", "image.digest=")
        assert (
            "image.tag is empty: set image.tag to a release version (never latest) or image.digest"
            in message
        )

    def test_latest_tag(self):
        message = self.refused("--set", "image.tag=latest", "--set", "image.digest=")
        assert "image.tag is latest: pin a release version or set image.digest" in message

    def test_empty_repository(self):
        message = self.refused("--set", "image.repository=")
        assert (
            "image.repository is empty: set it to the Terraform output ecr_repository_url"
            in message
        )

    def test_grace_period_shorter_than_prestop_drain_and_shutdown(self):
        message = self.refused("--set", "terminationGracePeriodSeconds=44")
        assert (
            "terminationGracePeriodSeconds (44) must be at least preStopSleepSeconds (20) + "
            "config.drainDelaySeconds (5) + config.shutdownTimeoutSeconds (20) = 45" in message
        )

    def test_target_group_arn_required_when_binding_enabled(self):
        message = self.refused("--set", "targetGroupBinding.targetGroupARN=")
        assert (
            "targetGroupBinding.targetGroupARN is empty: set it to the Terraform output target_group_arn"
            in message
        )

    def test_health_check_cidrs_required_behind_a_load_balancer(self):
        message = self.refused("--set-json", "loadBalancer.healthCheckCIDRs=[]")
        assert (
            "loadBalancer.healthCheckCIDRs is empty: set it to the public subnet CIDRs" in message
        )

    def test_min_replicas_above_max(self):
        message = self.refused(
            "--set", "autoscaling.minReplicas=5", "--set", "autoscaling.maxReplicas=4"
        )
        assert "autoscaling.minReplicas (5) must not exceed autoscaling.maxReplicas (4)" in message

    def test_same_port_twice(self):
        message = self.refused("--set", "ports.admin=8080")
        assert "ports.http and ports.admin must differ (both are 8080)" in message

    def test_production_defaults_need_the_deploy_values(self):
        """values.yaml alone must not render: no image, no target group. The deploy supplies them."""
        with pytest.raises(chartlib.RenderError):
            chartlib.helm("template", chartlib.RELEASE, str(chartlib.CHART))


class TestSchemaCoversValues:
    def setup_method(self):
        self.schema = json.loads((chartlib.CHART / "values.schema.json").read_text())
        self.values = yaml.safe_load((chartlib.CHART / "values.yaml").read_text())

    def test_every_value_is_typed_and_every_typed_value_has_a_default(self):
        typed = set(schema_paths(self.schema, self.schema["definitions"])) - {"global"}
        assert set(leaf_paths(self.values)) == typed

    def test_readme_documents_every_value(self):
        readme = (chartlib.CHART / "README.md").read_text()
        # The service's settings are documented once, in the generated contract table.
        contract = (chartlib.CHART.parents[1] / "docs/interfaces.md").read_text()
        missing = [
            path
            for path in leaf_paths(self.values)
            if f"`{path}`" not in (contract if path.startswith("config.") else readme)
        ]
        assert missing == [], "values missing from the README's table"
