"""Shared settings and published outputs: the real AWS CLI against an SSM emulator (moto).

terraform/live publishes its outputs as SSM parameters under the settings' parameter_prefix
(terraform/live/tests checks the names and values); deploy.sh reads them at run time. These
tests put the parameters where an apply puts them and render the deploy with the real pinned
helm, so a replaced target group reaches the very next deploy.
"""

import json
import os
import pathlib
import subprocess
import sys
import urllib.request

import boto3
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
import settings  # noqa: E402

SETTINGS = settings.load()
PREFIX = SETTINGS["parameter_prefix"]
LIVE_OUTPUTS = json.loads((ROOT / "deploy/tests/fixtures/live-outputs.json").read_text())
DIGEST = "sha256:" + "4f" * 32
NEW_TARGET_GROUP = (
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/devops-eks-cluster/"
    "fedcba9876543210"
)


@pytest.fixture(scope="module")
def moto(moto_server):
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def aws_env(moto, tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_")
        and key
        not in (
            "ECR_REPOSITORY_URL",
            "IMAGE_REPOSITORY",
            "TARGET_GROUP_ARN",
            "PUBLIC_SUBNET_CIDRS",
            "VPC_ID",
            "APP_URL",
            "DRY_RUN",
        )
    }
    env.update(
        AWS_ENDPOINT_URL=moto,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE=str(tmp_path / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
    )
    urllib.request.urlopen(urllib.request.Request(moto + "/moto-api/reset", method="POST"))
    return env


def ssm(env, region):
    return boto3.client(
        "ssm",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


PUBLISHED = (
    "ecr_repository_url",
    "target_group_arn",
    "public_subnet_cidrs",
    "vpc_id",
    "app_url",
    "karpenter_isolated_vpc",
    "karpenter_node_role_name",
    "karpenter_interruption_queue",
)


def publish(env, region=SETTINGS["aws_region"], prefix=PREFIX, **changes):
    """What terraform/live/parameters.tf writes: one String parameter per output."""
    client = ssm(env, region)
    for name in PUBLISHED:
        value = changes.get(name, LIVE_OUTPUTS[name]["value"])
        if isinstance(value, list):
            value = json.dumps(value, separators=(",", ":"))
        elif isinstance(value, bool):
            value = json.dumps(value)
        client.put_parameter(Name=f"{prefix}/{name}", Value=value, Type="String", Overwrite=True)
    for name in set(changes) - set(PUBLISHED):
        client.put_parameter(
            Name=f"{prefix}/{name}", Value=changes[name], Type="String", Overwrite=True
        )


def outputs(env, *args):
    return subprocess.run(
        [sys.executable, str(ROOT / "deploy/platform_outputs.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def render(env):
    result = subprocess.run(
        [str(ROOT / "deploy/deploy.sh")],
        env={**env, "DRY_RUN": "1", "IMAGE_DIGEST": DIGEST, "RUNBOOK_BASE_URL": "https://x.test/r"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    documents = [d for d in yaml.safe_load_all(result.stdout) if d]
    (binding,) = [d for d in documents if d["kind"] == "TargetGroupBinding"]
    (deployment,) = [d for d in documents if d["kind"] == "Deployment"]
    return binding, deployment


def test_the_next_deploy_uses_a_replaced_target_group(aws_env):
    publish(aws_env)
    binding, deployment = render(aws_env)
    assert binding["spec"]["targetGroupARN"] == LIVE_OUTPUTS["target_group_arn"]["value"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == f"{LIVE_OUTPUTS['ecr_repository_url']['value']}@{DIGEST}"

    # An apply that replaces the target group overwrites its parameter; nobody pastes anything.
    publish(aws_env, target_group_arn=NEW_TARGET_GROUP)
    binding, _ = render(aws_env)
    assert binding["spec"]["targetGroupARN"] == NEW_TARGET_GROUP


def test_outputs_become_the_environment_of_the_workflow_steps(aws_env):
    publish(aws_env, app_url="https://app.example.com")
    result = outputs(aws_env)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert lines == {
        "ECR_REPOSITORY_URL": LIVE_OUTPUTS["ecr_repository_url"]["value"],
        "TARGET_GROUP_ARN": LIVE_OUTPUTS["target_group_arn"]["value"],
        "PUBLIC_SUBNET_CIDRS": '["10.0.0.0/24","10.0.1.0/24","10.0.2.0/24"]',
        "VPC_ID": LIVE_OUTPUTS["vpc_id"]["value"],
        "APP_URL": "https://app.example.com",
        "KARPENTER_ISOLATED_VPC": "false",
        "KARPENTER_NODE_ROLE": LIVE_OUTPUTS["karpenter_node_role_name"]["value"],
        "KARPENTER_INTERRUPTION_QUEUE": LIVE_OUTPUTS["karpenter_interruption_queue"]["value"],
    }


def test_the_platform_sync_job_hands_the_published_karpenter_inputs_to_the_sync(aws_env):
    # No NAT: Karpenter must run with isolatedVPC, which only terraform/live knows. The app
    # workflow's platform-sync job appends `make platform-outputs` to $GITHUB_ENV, then runs
    # the sync; here the sync prints the commands it would run (DRY_RUN=1).
    publish(aws_env, karpenter_isolated_vpc="true")
    result = outputs(aws_env)
    assert result.returncode == 0, result.stderr
    published = dict(line.split("=", 1) for line in result.stdout.splitlines())
    env = {
        **{k: v for k, v in aws_env.items() if not k.startswith("KARPENTER_")},
        **published,
        "CLUSTER_NAME": SETTINGS["cluster_name"],
        "AWS_REGION": SETTINGS["aws_region"],
        "DRY_RUN": "1",
    }
    sync = subprocess.run(
        [str(ROOT / "platform/sync.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert sync.returncode == 0, sync.stderr
    (controller,) = [
        line
        for line in sync.stdout.splitlines()
        if line.startswith("helm upgrade --install karpenter ")
    ]
    queue = LIVE_OUTPUTS["karpenter_interruption_queue"]["value"]
    assert "--set settings.isolatedVPC=true" in controller
    assert f"--set-string settings.interruptionQueue={queue}" in controller
    assert f"--set-string vpcId={LIVE_OUTPUTS['vpc_id']['value']}" in sync.stdout
    node_role = LIVE_OUTPUTS["karpenter_node_role_name"]["value"]
    assert f"--set-string nodeRole={node_role}" in sync.stdout


def test_the_image_cache_is_exported_only_when_published(aws_env):
    publish(aws_env)
    assert "IMAGE_REGISTRY_CACHE" not in outputs(aws_env).stdout
    cache = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    publish(aws_env, image_registry_cache=cache)
    assert f"IMAGE_REGISTRY_CACHE={cache}\n" in outputs(aws_env).stdout


def test_before_the_first_apply_the_missing_outputs_are_named(aws_env):
    result = outputs(aws_env)
    assert result.returncode == 2
    assert f"{PREFIX}/target_group_arn" in result.stderr
    assert "apply terraform/live first" in result.stderr
    assert result.stdout == ""


def test_outputs_are_read_in_the_settings_region(aws_env, tmp_path):
    other = tmp_path / "settings.json"
    other.write_text(json.dumps({**SETTINGS, "aws_region": "us-east-1"}))
    publish(aws_env, region="us-east-1")
    assert outputs(aws_env, "--settings", str(other)).returncode == 0
    # Parameters live in one region: the repository's settings (eu-west-1) do not see them.
    assert outputs(aws_env).returncode == 2


def test_deploy_refuses_an_aws_region_other_than_the_settings(aws_env):
    publish(aws_env)
    result = subprocess.run(
        [str(ROOT / "deploy/deploy.sh")],
        env={**aws_env, "DRY_RUN": "1", "IMAGE_DIGEST": DIGEST, "AWS_REGION": "us-east-1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "AWS_REGION=us-east-1" in result.stderr
    assert "terraform/settings.auto.tfvars.json" in result.stderr


EARLIER = "1111111111111111111111111111111111111111"
NEVER_PUSHED = "2222222222222222222222222222222222222222"


def push_image(env, tag):
    """An image pushed with an immutable tag, as the build job leaves it; returns its digest."""
    ecr = boto3.client(
        "ecr",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=SETTINGS["aws_region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    repository = SETTINGS["ecr_repository_name"]
    url = ecr.create_repository(repositoryName=repository, imageTagMutability="IMMUTABLE")[
        "repository"
    ]["repositoryUri"]
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [],
        }
    )
    image = ecr.put_image(repositoryName=repository, imageManifest=manifest, imageTag=tag)
    return url, image["image"]["imageId"]["imageDigest"]


def lookup(env, **inputs):
    return subprocess.run(
        [str(ROOT / "deploy/image_lookup.sh")],
        env={**env, "AWS_DEFAULT_REGION": SETTINGS["aws_region"], **inputs},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_redeploy_takes_the_digest_an_earlier_commit_pushed(aws_env):
    url, digest = push_image(aws_env, EARLIER)
    result = lookup(aws_env, IMAGE_REPOSITORY=url, IMAGE_TAG=EARLIER, IMAGE_MUST_EXIST="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"exists=true\ndigest={digest}\n"


def test_a_redeploy_of_a_commit_never_pushed_is_refused_not_built(aws_env):
    url, _ = push_image(aws_env, EARLIER)
    redeploy = lookup(
        aws_env, IMAGE_REPOSITORY=url, IMAGE_TAG=NEVER_PUSHED, IMAGE_MUST_EXIST="true"
    )
    assert redeploy.returncode == 2
    assert f"no image tagged {NEVER_PUSHED}" in redeploy.stderr
    assert "exists=false" not in redeploy.stdout
    # A push of a new commit still builds it.
    push = lookup(aws_env, IMAGE_REPOSITORY=url, IMAGE_TAG=NEVER_PUSHED)
    assert push.returncode == 0, push.stderr
    assert push.stdout == "exists=false\n"
