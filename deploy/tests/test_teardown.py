"""Teardown: the order that leaves nothing billable, and the state bucket emptied for real.

teardown.sh runs in a scratch copy of the tree against stand-in aws, kubectl, helm, terraform and
gh that record their arguments; empty_bucket.py runs the real AWS CLI against moto's S3.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SETTINGS = json.loads((ROOT / "terraform/settings.auto.tfvars.json").read_text())
CLUSTER = SETTINGS["cluster_name"]
NODECLAIMS_JSONPATH = (
    'jsonpath={range .items[*]}{.metadata.name}{" "}{.status.providerID}{"\\n"}{end}'
)
PERSISTENT_VOLUMES = {
    "items": [
        {
            "metadata": {"name": "pvc-prometheus"},
            "spec": {
                "storageClassName": "gp3",
                "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-0123456789abcdef0"},
            },
        },
        {
            "metadata": {"name": "pvc-elsewhere"},
            "spec": {
                "storageClassName": "other",
                "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-0fedcba987654321f"},
            },
        },
    ]
}
NODECLAIM = "default-x7k2p aws:///eu-west-1a/i-0123456789abcdef0"
# Each listing of the NodeClaims takes one line of $NODECLAIMS: Karpenter's instances as the
# controller sees them while it drains and terminates them ("-" once none is left).
STAND_IN = f"""#!/usr/bin/env bash
printf '%s\\n' "$(basename "$0") $*" >>"$CALLS"
case "$(basename "$0") $1 $2" in
  "kubectl get pv") printf '%s' '{json.dumps(PERSISTENT_VOLUMES)}' ;;
  "kubectl get nodeclaims.karpenter.sh")
    listing=$(head -n 1 "$NODECLAIMS")
    [[ $(wc -l <"$NODECLAIMS") -gt 1 ]] && sed -i 1d "$NODECLAIMS"
    [[ "$listing" == - ]] || printf '%s\\n' "$listing" ;;
esac
"""


@pytest.fixture
def tree(tmp_path):
    for path in (
        "deploy/teardown.sh",
        "deploy/settings.py",
        "platform/platform.env",
        "platform/manifests/storageclass-gp3.yaml",
        "terraform/settings.auto.tfvars.json",
    ):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, tmp_path / path)
    state = tmp_path / "terraform/live/.terraform/terraform.tfstate"
    state.parent.mkdir(parents=True)
    state.write_text("{}")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "nodeclaims").write_text(f"{NODECLAIM}\n{NODECLAIM}\n-\n")
    # sleep too: the drain wait polls, and the test need not wait for real.
    for tool in ("aws", "kubectl", "helm", "terraform", "gh", "sleep"):
        (bin_dir / tool).write_text(STAND_IN)
        (bin_dir / tool).chmod(0o755)
    return tmp_path


def teardown(tree, **env):
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("CONFIRM", "NAMESPACE", "RELEASE")},
        "PATH": f"{tree / 'bin'}:{os.environ['PATH']}",
        "CALLS": str(tree / "calls"),
        "NODECLAIMS": str(tree / "nodeclaims"),
        **env,
    }
    return subprocess.run(
        [str(tree / "deploy/teardown.sh")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_releases_then_volumes_then_terraform_then_the_schedules(tree):
    result = teardown(tree, CONFIRM=CLUSTER)
    assert result.returncode == 0, result.stderr
    calls = (tree / "calls").read_text().splitlines()
    mutating = [c for c in calls if not c.startswith(("helm status", "kubectl get crd"))]
    live = f"-chdir={tree}/terraform/live"
    region = SETTINGS["aws_region"]
    assert mutating == [
        f"aws eks update-kubeconfig --name {CLUSTER} --region {region}",
        "helm uninstall webapp --namespace webapp --wait --timeout 10m",
        "helm uninstall kube-prometheus-stack --namespace monitoring --wait --timeout 10m",
        # Karpenter terminates its instances (not in Terraform's state) while it still runs.
        "kubectl delete nodepools.karpenter.sh --all --wait=false",
        "kubectl delete nodeclaims.karpenter.sh --all --wait=false",
        f"kubectl get nodeclaims.karpenter.sh --output {NODECLAIMS_JSONPATH}",
        "sleep 5",
        f"kubectl get nodeclaims.karpenter.sh --output {NODECLAIMS_JSONPATH}",
        "sleep 5",
        f"kubectl get nodeclaims.karpenter.sh --output {NODECLAIMS_JSONPATH}",
        "helm uninstall karpenter-nodepools --namespace kube-system --wait --timeout 10m",
        "helm uninstall karpenter --namespace kube-system --wait --timeout 10m",
        "helm uninstall aws-load-balancer-controller --namespace kube-system --wait --timeout 10m",
        "kubectl delete pvc --all --namespace monitoring --wait=true",
        "kubectl get pv -o json",
        # Only a volume of the platform's class that outlived its claim, never another class's.
        "kubectl delete pv pvc-prometheus --wait=true",
        f"aws ec2 wait volume-available --volume-ids vol-0123456789abcdef0 --region {region}",
        f"aws ec2 delete-volume --volume-id vol-0123456789abcdef0 --region {region}",
        f"terraform {live} apply -input=false -auto-approve -var ecr_force_delete=true",
        f"terraform {live} destroy -input=false -auto-approve -var ecr_force_delete=true",
        "gh workflow disable infra.yml",
        "gh workflow disable app.yml",
    ]
    assert "make empty-state-bucket" in result.stdout


def test_nodeclaims_left_after_the_wait_stop_the_teardown_before_terraform(tree):
    (tree / "nodeclaims").write_text(f"{NODECLAIM}\n")
    result = teardown(tree, CONFIRM=CLUSTER, KARPENTER_DRAIN_TIMEOUT="1")
    assert result.returncode == 2
    assert "NodeClaims still there after 1s" in result.stderr
    assert NODECLAIM in result.stderr
    calls = (tree / "calls").read_text()
    # The controller that would terminate them stays, and nothing is destroyed.
    assert "helm uninstall karpenter" not in calls
    assert "terraform" not in calls


def test_a_drain_timeout_that_is_not_seconds_is_refused(tree):
    result = teardown(tree, CONFIRM=CLUSTER, KARPENTER_DRAIN_TIMEOUT="15m")
    assert result.returncode == 2
    assert "KARPENTER_DRAIN_TIMEOUT='15m'" in result.stderr
    assert not (tree / "calls").exists()


def test_nothing_happens_without_the_cluster_name_as_confirmation(tree):
    for confirm in ("", "yes"):
        result = teardown(tree, CONFIRM=confirm)
        assert result.returncode == 2
        assert f"CONFIRM={CLUSTER}" in result.stderr
        assert not (tree / "calls").exists()


@pytest.fixture
def s3(tmp_path, moto_server):
    with moto_server() as endpoint:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": SETTINGS["aws_region"],
            "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        }
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=SETTINGS["aws_region"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        yield client, env


def empty(env, bucket, confirm):
    return subprocess.run(
        [sys.executable, str(ROOT / "deploy/empty_bucket.py"), bucket, "--confirm", confirm],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_versioned_state_bucket_is_emptied_and_can_be_deleted(s3):
    client, env = s3
    bucket = "acme-tfstate"
    client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": SETTINGS["aws_region"]}
    )
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    # Many state versions (more than one DeleteObjects batch), a lock file and a delete marker.
    # One writer per key, as Terraform writes a state; keys in parallel to keep the test short.
    def versions(key):
        for serial in range(220):
            client.put_object(Bucket=bucket, Key=key, Body=f"{serial}".encode())

    with ThreadPoolExecutor(max_workers=5) as pool:
        list(pool.map(versions, [f"env{n}/terraform.tfstate" for n in range(5)]))
    client.put_object(Bucket=bucket, Key="live/terraform.tfstate.tflock", Body=b"lock")
    client.delete_object(Bucket=bucket, Key="live/terraform.tfstate.tflock")
    with pytest.raises(client.exceptions.ClientError, match="BucketNotEmpty"):
        client.delete_bucket(Bucket=bucket)

    result = empty(env, bucket, bucket)
    assert result.returncode == 0, result.stderr
    assert "deleted 1102 versions" in result.stdout
    client.delete_bucket(Bucket=bucket)


def test_emptying_needs_the_bucket_name_as_confirmation(s3):
    _, env = s3
    result = empty(env, "acme-tfstate", "")
    assert result.returncode == 2
    assert "CONFIRM=acme-tfstate" in result.stderr
