# Plans the bastion against a mocked AWS provider: nothing reaches it but Session Manager, and
# it holds no rights beyond Session Manager's.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_data "aws_ami" {
    defaults = { id = "ami-0123456789abcdef0" }
  }
}

variables {
  name      = "devops-eks-cluster"
  vpc_id    = "vpc-0123456789abcdef0"
  subnet_id = "subnet-priv-a"
}

run "private_and_closed" {
  command = plan

  assert {
    condition     = aws_instance.this.subnet_id == "subnet-priv-a" && aws_instance.this.associate_public_ip_address == false && aws_instance.this.ami == "ami-0123456789abcdef0" && data.aws_ami.al2023.owners == tolist(["amazon"])
    error_message = "The bastion lives in a private subnet without a public IP, on an Amazon-owned image."
  }

  assert {
    condition     = length(aws_security_group.this.ingress) == 0 && aws_vpc_security_group_egress_rule.https.from_port == 443 && aws_vpc_security_group_egress_rule.https.to_port == 443 && aws_vpc_security_group_egress_rule.https.ip_protocol == "tcp"
    error_message = "No inbound rule at all; out on HTTPS only."
  }

  assert {
    condition     = aws_instance.this.metadata_options[0].http_tokens == "required" && aws_instance.this.metadata_options[0].http_put_response_hop_limit == 1 && aws_instance.this.root_block_device[0].encrypted
    error_message = "IMDSv2 only, and an encrypted root volume."
  }
}

run "session_manager_is_its_only_right" {
  command = plan

  assert {
    condition     = aws_iam_role_policy_attachment.ssm.policy_arn == "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" && jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Principal.Service == "ec2.amazonaws.com"
    error_message = "The bastion's role has AmazonSSMManagedInstanceCore and nothing else: it never authenticates to the cluster."
  }
}

run "rejects_bad_inputs" {
  command = plan

  variables {
    name          = "bastion-"
    instance_type = "t3.nano"
  }

  expect_failures = [var.name, var.instance_type]
}

run "role_carries_the_permissions_boundary" {
  command = plan

  variables {
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/devops-eks-cluster-permissions-boundary"
  }

  assert {
    condition     = aws_iam_role.this.permissions_boundary == "arn:aws:iam::123456789012:policy/devops-eks-cluster-permissions-boundary"
    error_message = "The role must carry the permissions boundary: the CI apply role cannot create it otherwise."
  }
}

run "rejects_a_boundary_that_is_not_a_policy" {
  command = plan

  variables {
    permissions_boundary_arn = "devops-eks-cluster-permissions-boundary"
  }

  expect_failures = [var.permissions_boundary_arn]
}
