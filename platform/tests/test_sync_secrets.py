"""platform/sync.sh's live path refuses to install while a Secret key the stack reads is missing.

Stand-ins for helm and kubectl record their calls. The stand-in kubectl answers
`get secret NAME --output go-template=...` by handing sync.sh's own template to the real pinned
kubectl, over a client-side Secret built from the test's fixture, so the template is checked
as kubectl evaluates it.
"""

import json
import shutil
import stat
from pathlib import Path

import pytest

from conftest import run_sync

KUBECTL_STAND_IN = """#!/usr/bin/env python3
import json, os, subprocess, sys

args = sys.argv[1:]
with open(os.environ["CALLS"], "a") as calls:
    calls.write("kubectl " + " ".join(args) + "\\n")
if args[:2] == ["config", "view"]:
    print(os.environ["CLUSTER_NAME"], end="")
elif "get" in args and "secret" in args:
    name = args[args.index("secret") + 1]
    output = next(a for a in args if a.startswith("go-template="))
    secrets = json.loads(os.environ["SECRETS"])
    if name not in secrets:
        sys.exit(f'Error from server (NotFound): secrets "{name}" not found')
    literals = [f"--from-literal={k}={v}" for k, v in secrets[name].items()]
    command = [os.environ["REAL_KUBECTL"], "create", "secret", "generic", name, *literals,
               "--dry-run=client", "--output", output]
    sys.exit(subprocess.run(command, env={**os.environ, "KUBECONFIG": "/nonexistent"}).returncode)
elif "create" in args:
    print("apiVersion: v1\\nkind: Namespace\\nmetadata:\\n  name: x")
elif "apply" in args:
    sys.stdin.read()
"""
HELM_STAND_IN = """#!/usr/bin/env bash
printf 'helm %s\\n' "$*" >>"$CALLS"
[[ "$1" == version ]] && printf '%s' "$PINNED_HELM"
exit 0
"""


def write_tool(directory: Path, name: str, text: str) -> None:
    path = directory / name
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def live_sync(tmp_path, pins, tool):
    real_kubectl = tool("kubectl")
    assert shutil.which("python3"), "python3 is needed for the stand-in kubectl"
    write_tool(tmp_path, "kubectl", KUBECTL_STAND_IN)
    write_tool(tmp_path, "helm", HELM_STAND_IN)
    calls = tmp_path / "calls"

    def run(secrets: dict[str, dict[str, str]]):
        calls.write_text("")
        result = run_sync(
            str(tmp_path),
            DRY_RUN="0",
            CALLS=str(calls),
            SECRETS=json.dumps(secrets),
            REAL_KUBECTL=real_kubectl,
            PINNED_HELM=pins["HELM_VERSION"],
        )
        return result, calls.read_text().splitlines()

    return run


@pytest.fixture(scope="module")
def wanted_keys(kps_values) -> dict[str, set[str]]:
    """Every Secret key the kube-prometheus-stack values read, per Secret."""
    admin = kps_values["grafana"]["admin"]
    (receivers_secret,) = kps_values["alertmanager"]["alertmanagerSpec"]["secrets"]
    mount = f"/etc/alertmanager/secrets/{receivers_secret}/"
    receiver_keys = {
        hook["url_file"].removeprefix(mount)
        for receiver in kps_values["alertmanager"]["config"]["receivers"]
        for hook in receiver.get("webhook_configs", [])
    }
    return {
        admin["existingSecret"]: {admin["userKey"], admin["passwordKey"]},
        receivers_secret: receiver_keys,
    }


def complete(wanted_keys) -> dict[str, dict[str, str]]:
    return {secret: {key: "x" for key in keys} for secret, keys in wanted_keys.items()}


def installs(calls: list[str]) -> list[str]:
    return [c for c in calls if c.startswith(("helm upgrade", "kubectl apply"))]


def test_every_key_present_installs_every_release(live_sync, wanted_keys):
    result, calls = live_sync(complete(wanted_keys))
    assert result.returncode == 0, result.stderr
    assert [c.split()[3] for c in calls if c.startswith("helm upgrade")] == [
        "aws-load-balancer-controller",
        "karpenter",
        "karpenter-nodepools",
        "kube-prometheus-stack",
    ]


@pytest.mark.parametrize(
    "secret_key", ["grafana-admin/admin-password", "alertmanager-receivers/page-url"]
)
def test_a_missing_key_stops_the_sync_before_it_changes_anything(
    live_sync, wanted_keys, secret_key
):
    secret, key = secret_key.split("/")
    secrets = complete(wanted_keys)
    del secrets[secret][key]
    result, calls = live_sync(secrets)
    assert result.returncode == 2
    assert f"missing or empty in namespace monitoring: {secret_key}:" in result.stderr
    assert installs(calls) == []


def test_every_key_the_values_read_is_checked(live_sync, wanted_keys):
    for secret, keys in wanted_keys.items():
        for key in keys:
            secrets = complete(wanted_keys)
            del secrets[secret][key]
            result, calls = live_sync(secrets)
            assert result.returncode == 2, f"{secret}/{key} is not checked"
            assert installs(calls) == []


def test_an_empty_key_counts_as_missing(live_sync, wanted_keys):
    secrets = complete(wanted_keys)
    secrets["grafana-admin"]["admin-password"] = ""
    result, _ = live_sync(secrets)
    assert result.returncode == 2
    assert "grafana-admin/admin-password" in result.stderr


def test_a_missing_secret_names_all_its_keys(live_sync, wanted_keys):
    secrets = complete(wanted_keys)
    del secrets["alertmanager-receivers"]
    result, calls = live_sync(secrets)
    assert result.returncode == 2
    assert "alertmanager-receivers/page-url alertmanager-receivers/ticket-url" in result.stderr
    assert 'secrets "alertmanager-receivers" not found' in result.stderr
    assert installs(calls) == []
