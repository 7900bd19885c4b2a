"""The node group's creation order, read from Terraform's own dependency graph: it waits for the
egress anchor (NAT routes or VPC endpoints), so no node boots before it can pull images or get
credentials, and is destroyed before that path goes away. `terraform test` cannot see ordering."""

import os
import pathlib
import shutil
import subprocess

import devtools

ROOT = pathlib.Path(__file__).resolve().parents[4]
MODULE = ROOT / "terraform" / "modules" / "eks"
TERRAFORM_SH = ROOT / "terraform" / "scripts" / "terraform.sh"


def terraform(directory, *args):
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(devtools.TERRAFORM_RC)}
    return subprocess.run(
        ["terraform", f"-chdir={directory}", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout


def test_the_node_group_waits_for_its_egress_path(tmp_path):
    subprocess.run([str(TERRAFORM_SH), "config"], check=True, timeout=300, capture_output=True)
    # A copy, so this init never races the one terraform-test runs in the module itself.
    module = tmp_path / "eks"
    shutil.copytree(MODULE, module, ignore=shutil.ignore_patterns(".terraform*", "tests"))
    terraform(module, "init", "-backend=false", "-input=false", "-no-color")
    edges = {
        tuple(part.strip().strip('";') for part in line.split("->"))
        for line in terraform(module, "graph").splitlines()
        if "->" in line
    }
    assert ("aws_eks_node_group.default", "terraform_data.node_egress") in edges
    assert ("aws_eks_node_group.default", "aws_eks_addon.before_nodes") in edges
