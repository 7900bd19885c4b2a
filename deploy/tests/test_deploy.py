"""deploy.sh: the DRY_RUN render with the real pinned helm, and the live path with stand-ins.

The live path runs against stand-in aws, kubectl and helm commands that only record their
arguments, which proves the real deploy calls `helm upgrade --install` with the very argument list
the render used, after checking the namespace and without touching anything outside it.
"""

import os
import pathlib
import shutil
import stat
import subprocess
import tempfile

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "deploy.sh"
DIGEST = "sha256:" + "4f" * 32
SHA = "0123456789abcdef0123456789abcdef01234567"
INPUTS = {
    "IMAGE_REPOSITORY": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/webapp",
    "IMAGE_DIGEST": DIGEST,
    "IMAGE_TAG": SHA,
    "TARGET_GROUP_ARN": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/webapp/0123456789abcdef",
    "PUBLIC_SUBNET_CIDRS": '["10.0.0.0/24","10.0.1.0/24","10.0.2.0/24"]',
    "RUNBOOK_BASE_URL": "https://github.com/acme/devops-eks/blob/main/docs/runbooks",
}
OPTIONAL_INPUTS = (
    "DRY_RUN",
    "NAMESPACE",
    "RELEASE",
    "HELM_TIMEOUT",
    "APP_URL",
    "MONITORING_NAMESPACE",
    "AWS_REGION",
    "ECR_REPOSITORY_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_SHA",
    "GITHUB_SERVER_URL",
)
# Each stand-in appends "<name> <args...>" to $CALLS; helm also answers `version` and `status`.
STAND_IN = """#!/usr/bin/env bash
printf '%s\\n' "$(basename "$0") $*" >>"$CALLS"
case "$(basename "$0") $1" in
  "helm version") printf '%s' "$PINNED_HELM" ;;
  "helm status") printf '{"version": 7}' ;;
  "kubectl get") [[ -z "${MISSING_NAMESPACE:-}" ]] || exit 1 ;;
esac
"""
# Records its arguments, then runs the real helm.
RECORDING_HELM = """#!/usr/bin/env bash
printf '%s\\n' "helm $*" >>"$CALLS"
exec "$REAL_HELM" "$@"
"""


def pinned(name):
    for line in (ROOT / "tools" / "versions.env").read_text().splitlines():
        if line.startswith(f"{name}="):
            return line.split("=", 1)[1]
    raise AssertionError(f"{name} is not pinned in tools/versions.env")


def write_tool(directory, name, text):
    path = pathlib.Path(directory) / name
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


class TestDeploy:
    @pytest.fixture(autouse=True)
    def real_helm(self, helm):
        self.real_helm = helm

    def setup_method(self):
        self.work = pathlib.Path(tempfile.mkdtemp(prefix="deploy-test-"))
        self.calls = self.work / "calls"
        self.summary = self.work / "summary.md"
        self.output = self.work / "output"

    def teardown_method(self):
        shutil.rmtree(self.work)

    def run_deploy(self, bin_dir, **overrides):
        # Optional inputs from the caller's environment (a CI job's, say) must not leak in.
        inherited = {k: v for k, v in os.environ.items() if k not in OPTIONAL_INPUTS}
        env = {
            **inherited,
            **INPUTS,
            "CALLS": str(self.calls),
            "REAL_HELM": self.real_helm,
            "PINNED_HELM": pinned("HELM_VERSION"),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_OUTPUT": str(self.output),
            "APP_URL": "http://example.test",
        }
        env["PATH"] = f"{bin_dir}:{env['PATH']}"
        env.update(overrides)
        return subprocess.run(
            [str(DEPLOY)], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    def render(self, **overrides):
        bin_dir = self.work / "render-bin"
        bin_dir.mkdir(exist_ok=True)
        write_tool(bin_dir, "helm", RECORDING_HELM)
        return self.run_deploy(bin_dir, DRY_RUN="1", **overrides)

    def helm_calls(self, verb):
        return [
            line.split()[1:]
            for line in self.calls.read_text().splitlines()
            if line.startswith(f"helm {verb}")
        ]

    def test_render_pins_the_image_digest(self):
        result = self.render()
        assert result.returncode == 0, result.stderr
        documents = [d for d in yaml.safe_load_all(result.stdout) if d]
        deployments = [d for d in documents if d["kind"] == "Deployment"]
        assert len(deployments) == 1
        images = [c["image"] for c in deployments[0]["spec"]["template"]["spec"]["containers"]]
        assert images == [f"{INPUTS['IMAGE_REPOSITORY']}@{DIGEST}"]
        bindings = [d for d in documents if d["kind"] == "TargetGroupBinding"]
        assert [b["spec"]["targetGroupARN"] for b in bindings] == [INPUTS["TARGET_GROUP_ARN"]]

    @pytest.mark.parametrize(
        ("env", "base"),
        [
            ({}, INPUTS["RUNBOOK_BASE_URL"]),
            (
                {"RUNBOOK_BASE_URL": "", "GITHUB_REPOSITORY": "acme/x", "GITHUB_SHA": SHA},
                f"https://github.com/acme/x/blob/{SHA}/docs/runbooks",
            ),
        ],
        ids=["given", "in GitHub Actions"],
    )
    def test_alerts_link_to_absolute_runbook_urls(self, env, base):
        result = self.render(**env)
        assert result.returncode == 0, result.stderr
        documents = [d for d in yaml.safe_load_all(result.stdout) if d]
        (rule,) = [d for d in documents if d["kind"] == "PrometheusRule"]
        alerts = [r for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r]
        assert alerts
        for alert in alerts:
            assert alert["annotations"]["runbook_url"] == f"{base}/{alert['alert']}.md"

    def test_a_real_deploy_needs_a_runbook_base_url(self):
        # An offline render may keep the repository paths; a real deploy may not.
        result = self.render(RUNBOOK_BASE_URL="")
        assert result.returncode == 0, result.stderr
        assert "runbook_url: docs/runbooks/" in result.stdout
        bin_dir = self.work / "live-bin"
        bin_dir.mkdir()
        for tool in ("aws", "kubectl", "helm"):
            write_tool(bin_dir, tool, STAND_IN)
        result = self.run_deploy(bin_dir, RUNBOOK_BASE_URL="")
        assert result.returncode == 2
        assert "RUNBOOK_BASE_URL is not set" in result.stderr
        assert "helm upgrade" not in self.calls.read_text()

    def test_live_deploy_uses_the_rendered_arguments(self):
        assert self.render().returncode == 0
        (rendered,) = self.helm_calls("template")
        bin_dir = self.work / "live-bin"
        bin_dir.mkdir()
        for tool in ("aws", "kubectl", "helm"):
            write_tool(bin_dir, tool, STAND_IN)
        self.calls.unlink()
        result = self.run_deploy(bin_dir)
        assert result.returncode == 0, result.stderr
        (upgrade,) = self.helm_calls("upgrade")
        assert upgrade == ["upgrade", "--install", *rendered[1:]]
        for flag in ("--rollback-on-failure", "--wait", "--timeout"):
            assert flag in upgrade
        order = [" ".join(line.split()[0:2]) for line in self.calls.read_text().splitlines()]
        # The deploy role may edit the app namespace only: it checks the namespace and changes
        # nothing outside it (no namespace writes, no platform sync).
        assert order == ["helm version", "aws eks", "kubectl get", "helm upgrade", "helm status"]
        assert self.output.read_text() == "revision=7\n"
        summary = self.summary.read_text()
        for wanted in ("http://example.test", DIGEST, "| Chart revision | 7 "):
            assert wanted in summary

    def test_missing_namespace_points_at_the_platform_sync(self):
        bin_dir = self.work / "live-bin"
        bin_dir.mkdir()
        for tool in ("aws", "kubectl", "helm"):
            write_tool(bin_dir, tool, STAND_IN)
        result = self.run_deploy(bin_dir, MISSING_NAMESPACE="1")
        assert result.returncode != 0
        assert "run the platform sync first" in result.stderr
        assert "helm upgrade" not in self.calls.read_text()

    def test_bad_input_is_refused_with_its_name(self):
        cases = {
            "IMAGE_DIGEST": "latest",
            "IMAGE_REPOSITORY": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/webapp:latest",
            "TARGET_GROUP_ARN": "not-an-arn",
            "PUBLIC_SUBNET_CIDRS": "10.0.0.0/24",
            "HELM_TIMEOUT": "soon",
            "RUNBOOK_BASE_URL": "docs/runbooks",
        }
        for name, value in cases.items():
            result = self.render(**{name: value})
            assert result.returncode == 2, name
            assert name in result.stderr
            assert result.stdout == "", name

    def test_a_missing_output_is_read_and_an_unreachable_store_named(self):
        result = self.render(
            TARGET_GROUP_ARN="",
            AWS_ENDPOINT_URL="http://127.0.0.1:9",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_MAX_ATTEMPTS="1",
        )
        assert result.returncode == 2
        assert "get-parameters-by-path" in result.stderr
        assert "the platform outputs are unreadable" in result.stderr
        assert result.stdout == ""

    def test_another_helm_version_is_refused(self):
        bin_dir = self.work / "old-helm"
        bin_dir.mkdir()
        write_tool(bin_dir, "helm", STAND_IN)
        result = self.run_deploy(bin_dir, PINNED_HELM="v3.19.0")
        assert result.returncode == 2
        assert "the pin is" in result.stderr
