"""The AWS API emulator (moto server) the apply tests run against, and what it holds.

`start()` serves moto on a free loopback port inside this process; `leftovers()` lists, with
boto3 against that endpoint, every resource a destroy should have removed.

Stock moto 5.2.5 differs from AWS in a few places that would make correct Terraform look
broken. Each difference is patched here, in the emulator, never in the platform's Terraform;
each patch names the moto behaviour it corrects.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

REGION = "eu-west-1"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

# Without this moto has no AWS-managed policies, so attaching AmazonEKSClusterPolicy fails.
os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"


def _secure_transport_only(statement: dict) -> bool:
    condition = statement.get("Condition") or {}
    return condition == {"Bool": {"aws:SecureTransport": "false"}}


def _patch_bucket_policy_conditions() -> None:
    """moto ignores policy conditions, so `Deny ... aws:SecureTransport = false` denies every
    request. The provider only ever talks TLS to AWS, so such statements never match there;
    they are dropped before moto evaluates the policy."""
    from moto.s3.models import FakeBucket

    original = FakeBucket.get_permission

    def get_permission(self, action, resource):
        if self.policy is None:
            return original(self, action, resource)
        policy = json.loads(self.policy)
        kept = [s for s in policy.get("Statement", []) if not _secure_transport_only(s)]
        saved, self.policy = self.policy, json.dumps({**policy, "Statement": kept}).encode()
        try:
            return original(self, action, resource)
        finally:
            self.policy = saved

    FakeBucket.get_permission = get_permission


def _patch_launch_template_tags() -> None:
    """moto copies the launch template's own tags (TagSpecification resource type
    "launch-template" of CreateLaunchTemplate) into the template data's TagSpecifications, so
    every plan shows a tag_specifications block that was never configured. AWS keeps them apart;
    launch template data cannot even hold that resource type."""
    from moto.ec2.models.launch_templates import LaunchTemplateBackend

    original = LaunchTemplateBackend.create_launch_template

    def create_launch_template(self, name, description, template_data, tag_spec):
        specs = template_data.get("TagSpecifications")
        if specs:
            template_data["TagSpecifications"] = [
                s for s in specs if s.get("ResourceType") != "launch-template"
            ]
        return original(self, name, description, template_data, tag_spec)

    LaunchTemplateBackend.create_launch_template = create_launch_template


def _patch_vpc_dependents() -> None:
    """moto's DeleteVpc keeps the VPC's default network ACL, and DeleteNatGateway keeps the
    gateway's network interface; AWS removes both with their owner, so without this every
    destroy would look like it left them behind."""
    from moto.ec2.models import EC2Backend

    delete_vpc = EC2Backend.delete_vpc
    delete_nat_gateway = EC2Backend.delete_nat_gateway

    def delete_vpc_and_acls(self, vpc_id):
        vpc = delete_vpc(self, vpc_id)
        for acl_id in [a.id for a in self.network_acls.values() if a.vpc_id == vpc_id]:
            del self.network_acls[acl_id]
        return vpc

    def delete_nat_gateway_and_eni(self, nat_gateway_id):
        nat = delete_nat_gateway(self, nat_gateway_id)
        eni = getattr(nat, "_eni", None)
        if eni is not None and eni.id in self.enis:
            del self.enis[eni.id]
        return nat

    EC2Backend.delete_vpc = delete_vpc_and_acls
    EC2Backend.delete_nat_gateway = delete_nat_gateway_and_eni


def _patch_group_rule_descriptions() -> None:
    """moto reads a security group rule's description from its CIDR range only, so rules that
    reference another group (aws_vpc_security_group_*_rule with referenced_security_group_id)
    read back without one and every plan wants to add it again."""
    from moto.ec2.models.security_groups import SecurityGroupRule

    SecurityGroupRule.description = property(
        lambda rule: rule.ip_range.get("Description") or rule.source_group.get("Description")
    )


def _patch_cluster_settings() -> None:
    """moto's CreateCluster drops accessConfig and upgradePolicy, so DescribeCluster answers
    without them and every plan replaces the cluster (bootstrap_cluster_creator_admin_permissions
    forces a new cluster). AWS returns both as they were requested."""
    from moto.eks.responses import EKSResponse

    original = EKSResponse.create_cluster

    def create_cluster(self):
        result = original(self)
        cluster = self.eks_backend.clusters[self._get_param("name")]
        access = dict(self._get_param("accessConfig") or {})
        access.setdefault("authenticationMode", "CONFIG_MAP")
        cluster.access_config = access
        cluster.upgrade_policy = self._get_param("upgradePolicy") or {"supportType": "EXTENDED"}
        return result

    EKSResponse.create_cluster = create_cluster


def _patch_cluster_security_group() -> None:
    """moto's CreateCluster creates no cluster security group, so vpc_config's
    cluster_security_group_id is empty and nothing that references it (the NLB's rules to the
    nodes, the API access rules, Karpenter's discovery tag) can be applied. AWS creates the
    group in the cluster's VPC, tagged as owned by the cluster, and deletes it with the cluster."""
    from moto.ec2.models import ec2_backends
    from moto.eks.models import EKSBackend

    create_cluster = EKSBackend.create_cluster
    delete_cluster = EKSBackend.delete_cluster

    def create_cluster_and_group(self, name, role_arn, resources_vpc_config, *args, **kwargs):
        cluster = create_cluster(self, name, role_arn, resources_vpc_config, *args, **kwargs)
        ec2 = ec2_backends[self.account_id][self.region_name]
        subnet = ec2.get_subnet((resources_vpc_config.get("subnetIds") or [None])[0])
        group = ec2.create_security_group(
            name=f"eks-cluster-sg-{name}",
            description="EKS created security group applied to ENI that is attached to EKS "
            "Control Plane master nodes, as well as any managed workloads.",
            vpc_id=subnet.vpc_id,
            tags={f"kubernetes.io/cluster/{name}": "owned", "aws:eks:cluster-name": name},
        )
        cluster.resources_vpc_config = {
            **resources_vpc_config,
            "clusterSecurityGroupId": group.id,
            "vpcId": subnet.vpc_id,
        }
        return cluster

    def delete_cluster_and_group(self, name):
        cluster = delete_cluster(self, name)
        group_id = cluster.resources_vpc_config.get("clusterSecurityGroupId")
        if group_id:
            ec2_backends[self.account_id][self.region_name].delete_security_group(group_id=group_id)
        return cluster

    EKSBackend.create_cluster = create_cluster_and_group
    EKSBackend.delete_cluster = delete_cluster_and_group


def patch_moto() -> None:
    # The server's per-request access log would drown the test output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    _patch_bucket_policy_conditions()
    _patch_launch_template_tags()
    _patch_vpc_dependents()
    _patch_group_rule_descriptions()
    _patch_cluster_settings()
    _patch_cluster_security_group()


@contextmanager
def start() -> Iterator[str]:
    """Serve moto on 127.0.0.1:<free port>; yields the endpoint URL, stops the server on exit."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    patch_moto()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def reset(endpoint: str) -> None:
    """Empty every backend, so each root starts from a fresh account."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))


def client(endpoint: str, service: str):
    import boto3

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


# What a destroy may leave behind, and why. Everything else found by inventory() and absent
# from the fresh account counts as a leftover.
ALLOWED_LEFTOVERS = {
    "kms key PendingDeletion": "AWS deletes KMS keys only after a 7-30 day waiting period.",
    "ec2 nat-gateway deleted": "Deleted NAT gateways stay listed for about an hour.",
    "ec2 vpc-endpoint deleted": "Deleted VPC endpoints stay listed for a while.",
}


# Per service, (list call, response key, kind, id key) of every kind listed as it is; the kinds
# that need a state, a filter or paging are read in inventory() itself.
LISTED = {
    "ec2": [
        ("describe_vpcs", "Vpcs", "vpc", "VpcId"),
        ("describe_subnets", "Subnets", "subnet", "SubnetId"),
        ("describe_security_groups", "SecurityGroups", "security-group", "GroupId"),
        ("describe_route_tables", "RouteTables", "route-table", "RouteTableId"),
        ("describe_network_acls", "NetworkAcls", "network-acl", "NetworkAclId"),
        ("describe_internet_gateways", "InternetGateways", "internet-gateway", "InternetGatewayId"),
        ("describe_addresses", "Addresses", "elastic-ip", "AllocationId"),
        (
            "describe_network_interfaces",
            "NetworkInterfaces",
            "network-interface",
            "NetworkInterfaceId",
        ),
        ("describe_launch_templates", "LaunchTemplates", "launch-template", "LaunchTemplateName"),
        ("describe_flow_logs", "FlowLogs", "flow-log", "FlowLogId"),
        ("describe_volumes", "Volumes", "volume", "VolumeId"),
    ],
    "iam": [
        ("list_roles", "Roles", "role", "RoleName"),
        ("list_users", "Users", "user", "UserName"),
        ("list_open_id_connect_providers", "OpenIDConnectProviderList", "oidc-provider", "Arn"),
        ("list_instance_profiles", "InstanceProfiles", "instance-profile", "InstanceProfileName"),
    ],
    "s3": [("list_buckets", "Buckets", "bucket", "Name")],
    "ecr": [("describe_repositories", "repositories", "repository", "repositoryName")],
    "elbv2": [
        ("describe_load_balancers", "LoadBalancers", "load-balancer", "LoadBalancerName"),
        ("describe_target_groups", "TargetGroups", "target-group", "TargetGroupName"),
    ],
    "logs": [("describe_log_groups", "logGroups", "log-group", "logGroupName")],
    "events": [("list_rules", "Rules", "rule", "Name")],
}


def _listed(endpoint: str) -> Iterator[str]:
    for service, kinds in LISTED.items():
        api = client(endpoint, service)
        for call, key, kind, id_key in kinds:
            for item in getattr(api, call)()[key]:
                yield f"{service} {kind} {item[id_key]}"


def _ec2_with_state(ec2) -> Iterator[str]:
    # Deleted NAT gateways and endpoints stay listed for a while: one line for all of them.
    for nat in ec2.describe_nat_gateways()["NatGateways"]:
        state = "deleted" if nat["State"] == "deleted" else nat["NatGatewayId"]
        yield f"ec2 nat-gateway {state}"
    for endpoint in ec2.describe_vpc_endpoints()["VpcEndpoints"]:
        state = "deleted" if endpoint["State"].lower() == "deleted" else endpoint["VpcEndpointId"]
        yield f"ec2 vpc-endpoint {state}"
    for reservation in ec2.describe_instances()["Reservations"]:
        for instance in reservation["Instances"]:
            if instance["State"]["Name"] != "terminated":
                yield f"ec2 instance {instance['InstanceId']}"


def _kms_inventory(kms) -> Iterator[str]:
    for key in kms.list_keys()["Keys"]:
        state = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"]
        yield f"kms key {'PendingDeletion' if state == 'PendingDeletion' else key['KeyId']}"
    for alias in kms.list_aliases()["Aliases"]:
        if not alias["AliasName"].startswith("alias/aws/"):
            yield f"kms alias {alias['AliasName']}"


def inventory(endpoint: str) -> set[str]:
    """Every resource of the kinds the platform creates, as 'service kind id' lines."""
    found = set(_listed(endpoint))
    found.update(_ec2_with_state(client(endpoint, "ec2")))
    found.update(_kms_inventory(client(endpoint, "kms")))
    iam = client(endpoint, "iam")
    found.update(
        f"iam policy {p['PolicyName']}" for p in iam.list_policies(Scope="Local")["Policies"]
    )
    sqs = client(endpoint, "sqs")
    found.update(f"sqs queue {url}" for url in sqs.list_queues().get("QueueUrls", []))
    ssm = client(endpoint, "ssm")
    pages = ssm.get_paginator("describe_parameters").paginate()
    found.update(f"ssm parameter {p['Name']}" for page in pages for p in page["Parameters"])
    eks = client(endpoint, "eks")
    found.update(f"eks cluster {name}" for name in eks.list_clusters()["clusters"])
    return found


def leftovers(endpoint: str, before: set[str]) -> list[str]:
    """What the account holds now that it did not hold fresh, minus ALLOWED_LEFTOVERS."""
    return sorted(r for r in inventory(endpoint) - before if r not in ALLOWED_LEFTOVERS)
