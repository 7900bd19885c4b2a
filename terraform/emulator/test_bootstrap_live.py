"""bootstrap, then live/ on the S3 backend bootstrap made, then both destroyed on the emulator.

bootstrap applies whole: bucket settings, KMS key and alias, OIDC provider, the CI roles and
policies. live/ applies the log key, network, ECR, NLB, Karpenter, the CI runner and its API
access rule, and modules/eks's cluster, KMS key, log group, roles and launch template (tags
checked on instances and volumes); its SSM parameters are read back by path and gone after
destroy; then the bucket is purged and the bootstrap destroyed. live/ runs on its S3 backend in
the bootstrap bucket: a held lock stops a plan, and the state is encrypted with the bootstrap key."""

import dataclasses
import json

import emulator
import harness
import pytest
import roots
from harness import OVERRIDES


def check_bootstrap(outputs, endpoint):
    bucket = outputs["state_bucket"]
    assert f'bucket       = "{bucket}"' in outputs["backend_config"]
    s3 = emulator.client(endpoint, "s3")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert (
        rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == outputs["state_kms_key_arn"]
    )
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()), block
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    iam = emulator.client(endpoint, "iam")
    for name in outputs["ci_role_names"].values():
        trust = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
        assert (
            trust["Statement"][0]["Principal"]["Federated"] == outputs["github_oidc_provider_arn"]
        )


def check_live(outputs, endpoint):
    assert outputs["cluster_name"] == "devops-eks-cluster"
    assert outputs["ecr_repository_url"].endswith("/webapp")
    codebuild = emulator.client(endpoint, "codebuild")
    assert codebuild.batch_get_projects(names=[outputs["ci_runner_project"]])["projects"]
    ec2 = emulator.client(endpoint, "ec2")
    # The platform's tags, as the provider's default_tags put them on what Terraform creates.
    vpc = ec2.describe_vpcs(VpcIds=[outputs["vpc_id"]])["Vpcs"][0]
    platform_tags = {t["Key"]: t["Value"] for t in vpc["Tags"] if t["Key"] != "Name"}
    assert platform_tags, "live/ tags every resource through default_tags"
    template = ec2.describe_launch_templates()["LaunchTemplates"][0]
    data = ec2.describe_launch_template_versions(
        LaunchTemplateId=template["LaunchTemplateId"], Versions=["$Latest"]
    )["LaunchTemplateVersions"][0]["LaunchTemplateData"]
    # What the node group's instances and volumes get tagged with.
    specs = {s["ResourceType"]: s["Tags"] for s in data["TagSpecifications"]}
    assert set(specs) == {"instance", "volume"}
    for kind, tags in specs.items():
        as_map = {t["Key"]: t["Value"] for t in tags}
        assert platform_tags.items() <= as_map.items(), (kind, as_map)
        assert as_map["Name"] == "devops-eks-cluster-node"
    check_published(outputs, endpoint)
    check_karpenter(outputs, endpoint)


def parameter_prefix():
    settings = json.loads((harness.TERRAFORM_DIR / "settings.auto.tfvars.json").read_text())
    return settings["parameter_prefix"]


def published(endpoint):
    """What the workflows read: every parameter under the prefix, as name -> value."""
    ssm = emulator.client(endpoint, "ssm")
    prefix = parameter_prefix()
    pages = ssm.get_paginator("get_parameters_by_path").paginate(Path=prefix, Recursive=True)
    return {
        p["Name"].removeprefix(f"{prefix}/"): p["Value"]
        for page in pages
        for p in page["Parameters"]
    }


def check_published(outputs, endpoint):
    assert published(endpoint) == {
        "ecr_repository_url": outputs["ecr_repository_url"],
        "target_group_arn": outputs["target_group_arn"],
        "public_subnet_cidrs": json.dumps(outputs["public_subnet_cidrs"], separators=(",", ":")),
        "vpc_id": outputs["vpc_id"],
        "app_url": outputs["app_url"],
        # live.auto.tfvars' single NAT gateway reaches the pricing API.
        "karpenter_isolated_vpc": "false",
        "karpenter_node_role_name": outputs["karpenter_node_role_name"],
        "karpenter_interruption_queue": outputs["karpenter_interruption_queue"],
    }


def check_karpenter(outputs, endpoint):
    """Karpenter's discovery tag on the group EKS made, its queue next to the cluster."""
    cluster = emulator.client(endpoint, "eks").describe_cluster(name=outputs["cluster_name"])
    group_id = cluster["cluster"]["resourcesVpcConfig"]["clusterSecurityGroupId"]
    group = emulator.client(endpoint, "ec2").describe_security_groups(GroupIds=[group_id])
    tags = {t["Key"]: t["Value"] for t in group["SecurityGroups"][0]["Tags"]}
    assert tags["karpenter.sh/discovery"] == outputs["cluster_name"]
    sqs = emulator.client(endpoint, "sqs")
    assert sqs.get_queue_url(QueueName=outputs["karpenter_interruption_queue"])["QueueUrl"]


def purge_versions(endpoint, bucket):
    """A versioned bucket must be empty, old versions included, before it can be deleted."""
    s3 = emulator.client(endpoint, "s3")
    listing = s3.list_object_versions(Bucket=bucket)
    for entry in listing.get("Versions", []) + listing.get("DeleteMarkers", []):
        s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])


def assert_lock_holds(live, endpoint, bucket, key):
    """The backend's lock file: while another run holds it, a plan must refuse to start."""
    lock = {"ID": "held-by-another-run", "Operation": "OperationTypeApply", "Who": "ci"}
    s3 = emulator.client(endpoint, "s3")
    s3.put_object(Bucket=bucket, Key=f"{key}.tflock", Body=json.dumps(lock).encode())
    with pytest.raises(harness.TerraformError, match="state lock"):
        live.run("plan", "-lock-timeout=0s", "-input=false", "-no-color", "-refresh=false")
    s3.delete_object(Bucket=bucket, Key=f"{key}.tflock")


def test_bootstrap_then_live_on_its_backend(endpoint, tmp_path):
    emulator.reset(endpoint)
    before = emulator.inventory(endpoint)

    step = dataclasses.replace(roots.BOOTSTRAP.steps[0], check=check_bootstrap)
    bootstrap = harness.Workspace(
        dataclasses.replace(roots.BOOTSTRAP, steps=[step]), endpoint, tmp_path
    )
    bootstrap.init()
    bootstrap_variables = harness.converge(bootstrap)
    state = bootstrap.outputs()

    live_step = dataclasses.replace(roots.LIVE.steps[0], check=check_live)
    live_root = dataclasses.replace(roots.LIVE, steps=[live_step])
    live = harness.Workspace(live_root, endpoint, tmp_path)
    endpoints = (OVERRIDES / "backend.s3.tfbackend").read_text()
    live.init(backend_configs=[state["backend_config"], endpoints])
    live_variables = harness.converge(live)

    # The state lives in the bootstrap bucket, encrypted with its key.
    key = "live/terraform.tfstate"
    head = emulator.client(endpoint, "s3").head_object(Bucket=state["state_bucket"], Key=key)
    assert head["SSEKMSKeyId"] == state["state_kms_key_arn"]
    assert_lock_holds(live, endpoint, state["state_bucket"], key)

    live.destroy(live_variables)
    assert published(endpoint) == {}
    purge_versions(endpoint, state["state_bucket"])
    bootstrap.destroy(bootstrap_variables)
    harness.assert_nothing_left(endpoint, before, "bootstrap and live")
