"""Each moto patch in emulator.py, reproduced with the API calls the provider makes."""

import json

import emulator


def fresh(endpoint, service):
    emulator.reset(endpoint)
    return emulator.client(endpoint, service)


def test_secure_transport_deny_lets_tls_clients_in(endpoint):
    s3 = fresh(endpoint, "s3")
    s3.create_bucket(Bucket="state", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::state", "arn:aws:s3:::state/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    s3.put_bucket_policy(
        Bucket="state", Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]})
    )
    s3.put_object(Bucket="state", Key="live/terraform.tfstate", Body=b"{}")
    assert s3.get_object(Bucket="state", Key="live/terraform.tfstate")["Body"].read() == b"{}"


def test_launch_template_tags_stay_out_of_its_data(endpoint):
    ec2 = fresh(endpoint, "ec2")
    created = ec2.create_launch_template(
        LaunchTemplateName="nodes",
        LaunchTemplateData={
            "TagSpecifications": [
                {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "node"}]}
            ]
        },
        TagSpecifications=[
            {"ResourceType": "launch-template", "Tags": [{"Key": "Project", "Value": "x"}]}
        ],
    )["LaunchTemplate"]
    data = ec2.describe_launch_template_versions(LaunchTemplateId=created["LaunchTemplateId"])[
        "LaunchTemplateVersions"
    ][0]["LaunchTemplateData"]
    assert [s["ResourceType"] for s in data["TagSpecifications"]] == ["instance"]
    assert created["Tags"] == [{"Key": "Project", "Value": "x"}]


def test_group_referencing_rule_keeps_its_description(endpoint):
    ec2 = fresh(endpoint, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    nlb = ec2.create_security_group(GroupName="nlb", Description="nlb", VpcId=vpc)["GroupId"]
    pods = ec2.create_security_group(GroupName="pods", Description="pods", VpcId=vpc)["GroupId"]
    rule = ec2.authorize_security_group_ingress(
        GroupId=pods,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 8080,
                "ToPort": 8080,
                "UserIdGroupPairs": [{"GroupId": nlb, "Description": "NLB to pods"}],
            }
        ],
    )["SecurityGroupRules"][0]
    described = ec2.describe_security_group_rules(
        SecurityGroupRuleIds=[rule["SecurityGroupRuleId"]]
    )
    assert described["SecurityGroupRules"][0]["Description"] == "NLB to pods"


def test_vpc_and_nat_gateway_take_their_dependents_along(endpoint):
    ec2 = fresh(endpoint, "ec2")
    before = emulator.inventory(endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    ec2.delete_nat_gateway(NatGatewayId=nat)
    ec2.release_address(AllocationId=eip)
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)
    assert emulator.leftovers(endpoint, before) == []


def subnet_in_new_vpc(endpoint):
    ec2 = emulator.client(endpoint, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return vpc, ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]


def test_cluster_answers_with_its_access_config_and_upgrade_policy(endpoint):
    eks = fresh(endpoint, "eks")
    _, subnet = subnet_in_new_vpc(endpoint)
    eks.create_cluster(
        name="c",
        roleArn="arn:aws:iam::123456789012:role/c",
        resourcesVpcConfig={"subnetIds": [subnet]},
        accessConfig={
            "authenticationMode": "API",
            "bootstrapClusterCreatorAdminPermissions": False,
        },
        upgradePolicy={"supportType": "STANDARD"},
    )
    cluster = eks.describe_cluster(name="c")["cluster"]
    assert cluster["accessConfig"] == {
        "authenticationMode": "API",
        "bootstrapClusterCreatorAdminPermissions": False,
    }
    assert cluster["upgradePolicy"] == {"supportType": "STANDARD"}


def test_cluster_comes_and_goes_with_its_security_group(endpoint):
    eks = fresh(endpoint, "eks")
    vpc, subnet = subnet_in_new_vpc(endpoint)
    before = emulator.inventory(endpoint)
    eks.create_cluster(
        name="c",
        roleArn="arn:aws:iam::123456789012:role/c",
        resourcesVpcConfig={"subnetIds": [subnet]},
    )
    group_id = eks.describe_cluster(name="c")["cluster"]["resourcesVpcConfig"][
        "clusterSecurityGroupId"
    ]
    ec2 = emulator.client(endpoint, "ec2")
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    assert group["VpcId"] == vpc
    assert {"Key": "kubernetes.io/cluster/c", "Value": "owned"} in group["Tags"]
    eks.delete_cluster(name="c")
    assert emulator.leftovers(endpoint, before) == []
