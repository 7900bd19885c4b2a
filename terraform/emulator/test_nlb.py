"""modules/nlb on the emulator, through a wrapper that gives it a network and a node group."""

import emulator
import harness
import roots


def check_nlb(outputs, endpoint):
    nlb = outputs["nlb"]
    assert nlb["app_url"].startswith("http://")
    elbv2 = emulator.client(endpoint, "elbv2")
    lb = elbv2.describe_load_balancers(LoadBalancerArns=[nlb["arn"]])["LoadBalancers"][0]
    assert lb["Type"] == "network"
    assert lb["SecurityGroups"] == [nlb["security_group_id"]]
    group = elbv2.describe_target_groups(TargetGroupArns=[nlb["target_group_arn"]])
    assert group["TargetGroups"][0]["TargetType"] == "ip"


def test_nlb_converges_and_destroys(endpoint, tmp_path):
    root = harness.Root(**{**roots.NLB.__dict__, "steps": [harness.Step(check=check_nlb)]})
    harness.cycle(root, endpoint, tmp_path)
