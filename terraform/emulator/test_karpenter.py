"""modules/karpenter on the emulator: its interruption queue, EventBridge rules, roles and tag."""

import dataclasses
import json

import emulator
import harness
import roots


def check_karpenter(outputs, endpoint):
    karpenter = outputs["karpenter"]
    sqs = emulator.client(endpoint, "sqs")
    url = sqs.get_queue_url(QueueName=karpenter["interruption_queue_name"])["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["SqsManagedSseEnabled"] == "true"
    queue_arn = attributes["QueueArn"]
    senders = json.loads(attributes["Policy"])["Statement"][0]
    assert senders["Principal"]["Service"] == ["events.amazonaws.com", "sqs.amazonaws.com"]

    # Every interruption event reaches the queue.
    events = emulator.client(endpoint, "events")
    rules = events.list_rules(NamePrefix="emulator-karpenter-")["Rules"]
    assert len(rules) == 5
    for rule in rules:
        targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        assert [t["Arn"] for t in targets] == [queue_arn], rule["Name"]

    iam = emulator.client(endpoint, "iam")
    attached = iam.list_attached_role_policies(RoleName=karpenter["node_role_name"])
    assert {p["PolicyName"] for p in attached["AttachedPolicies"]} == {
        "AmazonEKSWorkerNodePolicy",
        "AmazonEC2ContainerRegistryPullOnly",
    }
    controller = karpenter["controller_role_arn"].rsplit("/", 1)[1]
    policy = iam.get_role_policy(RoleName=controller, PolicyName="karpenter-controller")
    reads = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}["ReadInterruptions"]
    assert reads["Resource"] == queue_arn

    ec2 = emulator.client(endpoint, "ec2")
    group = ec2.describe_security_groups(GroupIds=[outputs["security_group_id"]])
    tags = {t["Key"]: t["Value"] for t in group["SecurityGroups"][0].get("Tags", [])}
    assert karpenter["discovery_tag"].items() <= tags.items()


def test_karpenter_converges_and_destroys(endpoint, tmp_path):
    step = harness.Step(check=check_karpenter)
    harness.cycle(dataclasses.replace(roots.KARPENTER, steps=[step]), endpoint, tmp_path)
