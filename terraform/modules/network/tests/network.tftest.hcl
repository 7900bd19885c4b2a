# Plans the network against a mocked AWS provider: subnet roles, NAT per mode, endpoints,
# flow logs and the locked-down default security group.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_availability_zones" {
    defaults = { names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }
  }

  mock_data "aws_vpc_endpoint_service" {
    defaults = { service_name = "com.amazonaws.eu-west-1.mocked" }
  }

  mock_resource "aws_vpc" {
    defaults = {
      id  = "vpc-0123456789abcdef0"
      arn = "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0123456789abcdef0"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vpc-flow-logs/devops-eks-cluster" }
  }
}

variables {
  name            = "devops-eks-cluster"
  log_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
}

run "defaults_three_azs_single_nat" {
  command = plan

  assert {
    condition     = length(aws_subnet.public) == 3 && length(aws_subnet.private) == 3
    error_message = "One public and one private subnet per AZ, three AZs by default."
  }

  assert {
    condition     = alltrue([for s in aws_subnet.public : s.tags["kubernetes.io/role/elb"] == "1" && !contains(keys(s.tags), "kubernetes.io/role/internal-elb")])
    error_message = "Public subnets must carry kubernetes.io/role/elb=1 (and not the internal tag)."
  }

  assert {
    condition     = alltrue([for s in aws_subnet.private : s.tags["kubernetes.io/role/internal-elb"] == "1" && !contains(keys(s.tags), "kubernetes.io/role/elb")])
    error_message = "Private subnets must carry kubernetes.io/role/internal-elb=1 (and not the public tag)."
  }

  assert {
    condition     = alltrue([for s in concat(values(aws_subnet.private), values(aws_subnet.public)) : s.map_public_ip_on_launch == false])
    error_message = "No subnet may hand out public IPs on launch."
  }

  assert {
    condition     = length(setintersection([for s in aws_subnet.private : s.cidr_block], [for s in aws_subnet.public : s.cidr_block])) == 0 && aws_subnet.private["eu-west-1a"].cidr_block == "10.0.0.0/19" && aws_subnet.public["eu-west-1c"].cidr_block == "10.0.242.0/24"
    error_message = "Subnet CIDRs must follow the documented layout (private /19s from the bottom, public /24s from .240)."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1 && length(aws_eip.nat) == 1 && length(aws_route.private_nat) == 3
    error_message = "single NAT mode: one NAT gateway, and a default route in each private route table."
  }

  assert {
    condition     = length(aws_vpc_endpoint.s3) == 1 && aws_vpc_endpoint.s3[0].vpc_endpoint_type == "Gateway" && length(aws_vpc_endpoint.interface) == 0
    error_message = "By default only the free S3 gateway endpoint exists."
  }

  assert {
    condition     = length(aws_default_security_group.this.ingress) == 0 && length(aws_default_security_group.this.egress) == 0
    error_message = "The default security group must have no rules."
  }

  assert {
    condition     = aws_flow_log.this.traffic_type == "ALL" && aws_flow_log.this.log_destination == aws_cloudwatch_log_group.flow_logs.arn && aws_cloudwatch_log_group.flow_logs.retention_in_days == 30 && aws_cloudwatch_log_group.flow_logs.kms_key_id == var.log_kms_key_arn
    error_message = "Flow logs must capture all traffic into an encrypted log group with 30-day retention."
  }

  assert {
    condition     = length(output.private_subnet_ids) == 3 && length(output.public_subnet_ids) == 3 && output.availability_zones == tolist(["eu-west-1a", "eu-west-1b", "eu-west-1c"]) && output.vpc_id == "vpc-0123456789abcdef0"
    error_message = "Outputs must list one subnet per AZ in AZ order, and the VPC id."
  }
}

run "nat_none_with_endpoints" {
  command = plan

  variables {
    nat_mode                       = "none"
    enable_interface_endpoints     = true
    additional_interface_endpoints = ["ssm", "ssmmessages", "ec2messages"]
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 0 && length(aws_eip.nat) == 0 && length(aws_route.private_nat) == 0
    error_message = "nat_mode none: no NAT gateway, no default route from private subnets."
  }

  assert {
    condition     = toset(keys(aws_vpc_endpoint.interface)) == toset(["ec2", "ecr.api", "ecr.dkr", "sts", "eks-auth", "elasticloadbalancing", "logs", "ssm", "ssmmessages", "ec2messages"]) && alltrue([for e in aws_vpc_endpoint.interface : e.private_dns_enabled && e.vpc_endpoint_type == "Interface"])
    error_message = "Without NAT, every endpoint private nodes and the platform need (and the requested extras) must exist, with private DNS."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.endpoints_https[0].from_port == 443 && aws_vpc_security_group_ingress_rule.endpoints_https[0].cidr_ipv4 == "10.0.0.0/16"
    error_message = "Interface endpoints accept HTTPS from the VPC only."
  }

  assert {
    condition     = length(output.egress_dependencies) == 11 && length(output.interface_endpoint_services) == 10
    error_message = "Without NAT the nodes' egress is the S3 gateway and the ten interface endpoints."
  }
}

run "nat_single_egress_is_the_nat_routes" {
  command = plan

  assert {
    condition     = length(output.egress_dependencies) == 4 && length(aws_route.private_nat) == 3 && length(output.interface_endpoint_services) == 0
    error_message = "With NAT the nodes' egress is the three default routes and the S3 gateway."
  }
}

run "nat_one_per_az" {
  command = plan

  variables {
    nat_mode = "one_per_az"
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 3 && toset(keys(aws_nat_gateway.this)) == toset(["eu-west-1a", "eu-west-1b", "eu-west-1c"])
    error_message = "one_per_az: one NAT gateway in each AZ."
  }

  assert {
    condition     = alltrue([for az, nat in local.nat_for_az : az == nat])
    error_message = "one_per_az: each private route table must use the NAT gateway of its own AZ."
  }
}

run "nat_one_per_az_two_azs" {
  command = plan

  variables {
    nat_mode = "one_per_az"
    az_count = 2
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 2 && length(aws_subnet.private) == 2
    error_message = "one_per_az with az_count = 2: two NAT gateways and two private subnets."
  }
}

run "explicit_availability_zones" {
  command = plan

  variables {
    availability_zones = ["eu-west-1c", "eu-west-1a"]
    az_count           = 2
  }

  assert {
    condition     = output.availability_zones == tolist(["eu-west-1c", "eu-west-1a"]) && length(data.aws_availability_zones.available) == 0
    error_message = "Given availability_zones must be used as they are, without reading the region's list."
  }
}

run "rejects_fewer_given_azs_than_az_count" {
  command = plan

  variables {
    availability_zones = ["eu-west-1a", "eu-west-1b"]
  }

  expect_failures = [aws_subnet.public]
}

run "rejects_bad_availability_zones" {
  command = plan

  variables {
    availability_zones = ["eu-west-1a", "eu-west-1a", "euw1-az1"]
  }

  expect_failures = [var.availability_zones]
}

run "rejects_unknown_nat_mode" {
  command = plan

  variables {
    nat_mode = "per_az"
  }

  expect_failures = [var.nat_mode]
}

run "rejects_nat_none_without_endpoints" {
  command = plan

  variables {
    nat_mode = "none"
  }

  expect_failures = [var.enable_interface_endpoints]
}

run "rejects_nat_none_without_s3_gateway" {
  command = plan

  variables {
    nat_mode                   = "none"
    enable_interface_endpoints = true
    enable_s3_gateway_endpoint = false
  }

  expect_failures = [var.enable_s3_gateway_endpoint]
}

run "rejects_bad_additional_endpoints" {
  command = plan

  variables {
    additional_interface_endpoints = ["com.amazonaws.eu-west-1.ssm"]
  }

  expect_failures = [var.additional_interface_endpoints]
}

run "rejects_too_wide_cidr" {
  command = plan

  variables {
    vpc_cidr = "10.0.0.0/8"
  }

  expect_failures = [var.vpc_cidr]
}

run "rejects_host_address_cidr" {
  command = plan

  variables {
    vpc_cidr = "10.0.1.0/16"
  }

  expect_failures = [var.vpc_cidr]
}

run "rejects_garbage_cidr" {
  command = plan

  variables {
    vpc_cidr = "10.0.0/16"
  }

  expect_failures = [var.vpc_cidr]
}

run "rejects_single_az" {
  command = plan

  variables {
    az_count = 1
  }

  expect_failures = [var.az_count]
}

run "rejects_more_azs_than_the_region_has" {
  command = plan

  variables {
    az_count = 4
  }

  expect_failures = [aws_subnet.public]
}

run "rejects_odd_retention" {
  command = plan

  variables {
    flow_log_retention_days = 10
  }

  expect_failures = [var.flow_log_retention_days]
}

run "rejects_bad_name" {
  command = plan

  variables {
    name = "1-cluster"
  }

  expect_failures = [var.name]
}

run "rejects_bad_kms_arn" {
  command = plan

  variables {
    log_kms_key_arn = "alias/logs"
  }

  expect_failures = [var.log_kms_key_arn]
}

# The name rule shared by every config: no trailing hyphen, at most 28 characters (29 refused).
run "rejects_name_with_trailing_hyphen" {
  command = plan

  variables {
    name = "webapp-"
  }

  expect_failures = [var.name]
}

run "rejects_name_of_29_characters" {
  command = plan

  variables {
    name = "a2345678901234567890123456789"
  }

  expect_failures = [var.name]
}

run "accepts_name_of_28_characters" {
  command = plan

  variables {
    name = "a234567890123456789012345678"
  }
}

run "private_subnet_tags_only_on_private_subnets" {
  command = plan

  variables {
    private_subnet_tags = { "karpenter.sh/discovery" = "devops-eks-cluster" }
  }

  assert {
    condition     = alltrue([for s in aws_subnet.private : s.tags["karpenter.sh/discovery"] == "devops-eks-cluster" && s.tags["kubernetes.io/role/internal-elb"] == "1"])
    error_message = "Every private subnet must carry the extra tags next to its own."
  }

  assert {
    condition     = alltrue([for s in aws_subnet.public : !contains(keys(s.tags), "karpenter.sh/discovery")])
    error_message = "Public subnets must not be discoverable as node subnets."
  }
}

run "flow_log_role_carries_the_permissions_boundary" {
  command = plan

  variables {
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/devops-eks-cluster-permissions-boundary"
  }

  assert {
    condition     = aws_iam_role.flow_logs.permissions_boundary == "arn:aws:iam::123456789012:policy/devops-eks-cluster-permissions-boundary"
    error_message = "The flow-log role must carry the permissions boundary: the CI apply role cannot create it otherwise."
  }
}

run "rejects_a_boundary_that_is_not_a_policy" {
  command = plan

  variables {
    permissions_boundary_arn = "devops-eks-cluster-permissions-boundary"
  }

  expect_failures = [var.permissions_boundary_arn]
}
