"""The chart refuses what the service refuses, and passes on what it accepts.

Every bound comes from the release binary's own `webapp contract`; the refusals are checked
against the real `helm template` (values schema) and the real binary (exit status 2).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from generate import ROOT, SCHEMA, chart_key, read_contract

CHART = ROOT / "charts/webapp"
DEPLOY_VALUES = CHART / "ci/eks-deploy-values.yaml"


@pytest.fixture(scope="module")
def settings(webapp_bin: Path) -> list[dict]:
    return read_contract(webapp_bin)


def in_chart(settings: list[dict]) -> list[dict]:
    return [s for s in settings if chart_key(s)]


def template(helm: str, *sets: str) -> subprocess.CompletedProcess:
    # A grace period long enough for any drain and shutdown, so only the value under test matters.
    args = [helm, "template", "webapp", str(CHART), "-f", str(DEPLOY_VALUES)]
    for item in ("terminationGracePeriodSeconds=100000", *sets):
        args += ["--set-json", item]
    return subprocess.run(args, capture_output=True, text=True, check=False)


def refused_by_binary(webapp_bin: Path, env: str, value: str) -> subprocess.CompletedProcess:
    # Ports 0 let the binary start if it wrongly accepted the value; the timeout then fails.
    environment = {"APP_PORT": "0", "ADMIN_PORT": "0", env: value}
    return subprocess.run(
        [str(webapp_bin), "serve"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )


def out_of_range(setting: dict) -> list[int]:
    values = [setting["maximum"] + 1]
    if setting["minimum"] > 0:
        values.append(setting["minimum"] - 1)
    return values


def test_generated_files_are_current(webapp_bin: Path):
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("generate.py")), "--webapp", str(webapp_bin)]
        + ["--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_integer_bounds_refused_by_both(settings, helm, webapp_bin):
    integers = [s for s in in_chart(settings) if s["type"] == "integer"]
    assert integers, "no integer settings in the contract"
    for setting in integers:
        key = chart_key(setting)
        for value in out_of_range(setting):
            rendered = template(helm, f"{key}={value}")
            assert rendered.returncode != 0, f"helm accepted {key}={value}"
            assert key.split(".")[-1] in rendered.stderr, rendered.stderr
            binary = refused_by_binary(webapp_bin, setting["env"], str(value))
            assert binary.returncode == 2, (setting["env"], value, binary.stderr)
        for value in (setting["minimum"], setting["maximum"]):
            if key.startswith("ports.") and value == 0:
                continue  # the chart needs a fixed port; 0 (any free port) suits local runs only
            rendered = template(helm, f"{key}={value}")
            assert rendered.returncode == 0, f"helm refused {key}={value}: {rendered.stderr}"


def test_choices_refused_by_both(settings, helm, webapp_bin):
    for setting in in_chart(settings):
        if setting["type"] not in ("boolean", "string") or setting["env"] == "RUST_LOG":
            continue
        key = chart_key(setting)
        rendered = template(helm, f"{key}={json.dumps('surely-not-valid')}")
        assert rendered.returncode != 0, f"helm accepted {key}=surely-not-valid"
        binary = refused_by_binary(webapp_bin, setting["env"], "surely-not-valid")
        assert binary.returncode == 2, (setting["env"], binary.stderr)


def test_schema_port_bounds_within_the_binarys(settings):
    port = json.loads(SCHEMA.read_text())["definitions"]["port"]
    for setting in settings:
        if (chart_key(setting) or "").startswith("ports."):
            assert setting["minimum"] <= port["minimum"] <= port["maximum"] <= setting["maximum"]


def deployment_env(manifests: str) -> dict[str, str]:
    for doc in yaml.safe_load_all(manifests):
        if doc and doc["kind"] == "Deployment":
            container = doc["spec"]["template"]["spec"]["containers"][0]
            return {e["name"]: e.get("value") for e in container["env"]}
    raise AssertionError("no Deployment rendered")


def test_every_chart_setting_reaches_its_variable(settings, helm):
    """Each setting set to a value other than its default arrives in its environment variable."""
    sets, expected = [], {}
    for setting in in_chart(settings):
        if setting["type"] == "integer":
            value = setting["default"] + 1
        elif setting["type"] == "boolean":
            value = not setting["default"]
        elif "enum" in setting:
            value = next(c for c in setting["enum"] if c != setting["default"])
        else:
            value = "warn,webapp=debug"
        sets.append(f"{chart_key(setting)}={json.dumps(value)}")
        expected[setting["env"]] = json.dumps(value) if isinstance(value, bool) else str(value)
    rendered = template(helm, *sets)
    assert rendered.returncode == 0, rendered.stderr
    env = deployment_env(rendered.stdout)
    assert {name: env.get(name) for name in expected} == expected
    downward_api = {"POD_NAME", "POD_NAMESPACE", "MEMORY_LIMIT_BYTES"}
    unexpected = set(env) - set(expected) - downward_api
    assert not unexpected, f"variables the contract does not know: {unexpected}"


def test_values_file_numbers_keep_every_digit(settings, helm, tmp_path):
    """A values file's integers reach Helm as floats; large ones must not turn into 1.6e+07."""
    body = next(s for s in settings if s["env"] == "BODY_LIMIT_BYTES")
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump({"config": {"bodyLimitBytes": body["maximum"]}}))
    args = [helm, "template", "webapp", str(CHART), "-f", str(DEPLOY_VALUES), "-f", str(values)]
    rendered = subprocess.run(args, capture_output=True, text=True, check=True)
    assert deployment_env(rendered.stdout)["BODY_LIMIT_BYTES"] == str(body["maximum"])
