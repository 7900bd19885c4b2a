# Plans the whole platform against a mocked AWS provider: module wiring, the invariants that
# cross module boundaries, and every output the workflows and the chart use.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_data "aws_availability_zones" {
    defaults = { names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }
  }

  mock_resource "aws_security_group" {
    defaults = { id = "sg-0c0ffee00000000a1" }
  }

  mock_resource "aws_instance" {
    defaults = { id = "i-0123456789abcdef0" }
  }

  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }

  mock_data "aws_ami" {
    defaults = { id = "ami-0123456789abcdef0" }
  }

  mock_data "aws_vpc_endpoint_service" {
    defaults = { service_name = "com.amazonaws.eu-west-1.s3" }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
      key_id = "11111111-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_vpc" {
    defaults = {
      id  = "vpc-0123456789abcdef0"
      arn = "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0123456789abcdef0"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mocked" }
  }

  mock_resource "aws_ecr_repository" {
    defaults = { repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/webapp" }
  }

  mock_resource "aws_lb" {
    defaults = {
      arn      = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/devops-eks-cluster/0123456789abcdef"
      dns_name = "devops-eks-cluster-0123456789abcdef.elb.eu-west-1.amazonaws.com"
    }
  }

  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/devops-eks-cluster/0123456789abcdef" }
  }

  mock_resource "aws_eks_cluster" {
    defaults = {
      arn                   = "arn:aws:eks:eu-west-1:123456789012:cluster/devops-eks-cluster"
      endpoint              = "https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com"
      certificate_authority = [{ data = "bW9ja2Vk" }]
      vpc_config            = { cluster_security_group_id = "sg-0123456789abcdef0" }
    }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked" }
  }
}

# Private endpoint (the default) with the in-VPC runner: the baseline every run starts from.
variables {
  admin_principal_arns = ["arn:aws:iam::123456789012:role/platform-admin"]
  ci_runner = {
    github_repository   = "my-org/devops-eks"
    codeconnections_arn = "arn:aws:codeconnections:eu-west-1:123456789012:connection/11111111-2222-3333-4444-555555555555"
  }
}

override_data {
  target          = data.aws_iam_role.ci["plan"]
  override_during = plan
  values          = { arn = "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-plan", tags = { PlatformRegion = "eu-west-1", PlatformEcrRepository = "webapp", PlatformParameterPrefix = "/devops-eks-cluster/platform" } }
}

override_data {
  target          = data.aws_iam_role.ci["apply"]
  override_during = plan
  values          = { arn = "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-apply", tags = { PlatformRegion = "eu-west-1", PlatformEcrRepository = "webapp", PlatformParameterPrefix = "/devops-eks-cluster/platform" } }
}

override_data {
  target          = data.aws_iam_role.ci["platform_sync"]
  override_during = plan
  values          = { arn = "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-platform-sync", tags = { PlatformRegion = "eu-west-1", PlatformEcrRepository = "webapp", PlatformParameterPrefix = "/devops-eks-cluster/platform" } }
}

override_data {
  target          = data.aws_iam_policy.permissions_boundary
  override_during = plan
  values          = { arn = "arn:aws:iam::123456789012:policy/devops-eks-cluster-permissions-boundary" }
}

override_data {
  target          = data.aws_iam_role.ci["deploy"]
  override_during = plan
  values          = { arn = "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-deploy", tags = { PlatformRegion = "eu-west-1", PlatformEcrRepository = "webapp", PlatformParameterPrefix = "/devops-eks-cluster/platform" } }
}

override_resource {
  target          = module.network.aws_subnet.private["eu-west-1a"]
  override_during = plan
  values          = { id = "subnet-priv-a" }
}

override_resource {
  target          = module.network.aws_subnet.private["eu-west-1b"]
  override_during = plan
  values          = { id = "subnet-priv-b" }
}

override_resource {
  target          = module.network.aws_subnet.private["eu-west-1c"]
  override_during = plan
  values          = { id = "subnet-priv-c" }
}

override_resource {
  target          = module.network.aws_subnet.public["eu-west-1a"]
  override_during = plan
  values          = { id = "subnet-pub-a" }
}

override_resource {
  target          = module.network.aws_subnet.public["eu-west-1b"]
  override_during = plan
  values          = { id = "subnet-pub-b" }
}

override_resource {
  target          = module.network.aws_subnet.public["eu-west-1c"]
  override_during = plan
  values          = { id = "subnet-pub-c" }
}

run "platform_wiring" {
  command = plan

  assert {
    condition     = toset(module.eks.node_subnet_ids) == toset(["subnet-priv-a", "subnet-priv-b", "subnet-priv-c"])
    error_message = "Nodes and the control plane must use exactly the network's private subnets."
  }

  assert {
    condition     = toset(module.nlb.subnet_ids) == toset(["subnet-pub-a", "subnet-pub-b", "subnet-pub-c"])
    error_message = "The NLB must live in exactly the network's public subnets."
  }

  assert {
    condition     = module.nlb.target_group_arn == "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/devops-eks-cluster/0123456789abcdef"
    error_message = "The NLB's target group must be the one the Load Balancer Controller may register into."
  }

  assert {
    condition     = !output.karpenter_isolated_vpc && length(module.network.interface_endpoint_services) == 0
    error_message = "With NAT, Karpenter reaches the pricing API and needs no endpoints of its own."
  }

  assert {
    condition     = module.karpenter.discovery_tag == { "karpenter.sh/discovery" = "devops-eks-cluster" } && module.karpenter.node_role_name == "devops-eks-cluster-karpenter-node"
    error_message = "Karpenter's discovery tag and node role must be derived from the cluster name."
  }

  assert {
    condition     = module.eks.system_node_labels["node-group"] == "system" && var.node_size.min == 2 && var.node_size.max == 2
    error_message = "The managed node group is the fixed, labelled two-node system group; Karpenter adds the rest."
  }

  assert {
    condition     = aws_kms_key.logs.enable_key_rotation && jsondecode(aws_kms_key.logs.policy).Statement[1].Principal.Service == "logs.eu-west-1.amazonaws.com"
    error_message = "The log key must rotate and let CloudWatch Logs of this region use it."
  }
}

run "outputs_for_workflows_and_chart" {
  command = plan

  assert {
    condition = {
      aws_region             = output.aws_region
      cluster_name           = output.cluster_name
      cluster_endpoint       = output.cluster_endpoint
      vpc_id                 = output.vpc_id
      ecr_repository_url     = output.ecr_repository_url
      app_url                = output.app_url
      target_group_arn       = output.target_group_arn
      plan_role_arn          = output.plan_role_arn
      apply_role_arn         = output.apply_role_arn
      deploy_role_arn        = output.deploy_role_arn
      platform_sync_role_arn = output.platform_sync_role_arn
      } == {
      aws_region             = "eu-west-1"
      cluster_name           = "devops-eks-cluster"
      cluster_endpoint       = "https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com"
      vpc_id                 = "vpc-0123456789abcdef0"
      ecr_repository_url     = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/webapp"
      app_url                = "http://devops-eks-cluster-0123456789abcdef.elb.eu-west-1.amazonaws.com"
      target_group_arn       = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/devops-eks-cluster/0123456789abcdef"
      plan_role_arn          = "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-plan"
      apply_role_arn         = "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-apply"
      deploy_role_arn        = "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-deploy"
      platform_sync_role_arn = "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-platform-sync"
    }
    error_message = "The outputs in docs/interfaces.md must carry the platform's values."
  }

  assert {
    condition     = output.load_balancer_controller_role_arn == "arn:aws:iam::123456789012:role/mocked"
    error_message = "load_balancer_controller_role_arn must come from the eks module."
  }

  assert {
    condition     = output.public_subnet_cidrs == ["10.0.240.0/24", "10.0.241.0/24", "10.0.242.0/24"]
    error_message = "public_subnet_cidrs must match the chart's default healthCheckCIDRs for a 10.0.0.0/16 VPC."
  }
}

run "nat_per_az_through_the_root" {
  command = plan

  variables {
    nat_mode = "one_per_az"
  }

  assert {
    condition     = length(module.network.nat_gateway_ids) == 3
    error_message = "nat_mode = one_per_az must give one NAT gateway per AZ."
  }
}

################################################################################
# Every NAT mode x endpoint mode: what exists, what is routed, what is refused
################################################################################

run "single_nat_private_endpoint_with_the_runner" {
  command = plan

  assert {
    condition     = output.cluster_endpoint_access == "private" && output.ci_runner_project == "devops-eks-cluster-ci" && output.image_registry_cache == null && output.bastion_instance_id == null
    error_message = "Private endpoint: the workflows learn the mode and the runner's project; no cache with NAT."
  }

  assert {
    condition     = length(module.network.nat_gateway_ids) == 1 && length(module.network.interface_endpoint_services) == 0 && length(module.network.egress_dependencies) == 4
    error_message = "Single NAT: one gateway, three NAT routes and the S3 gateway as the nodes' egress; no interface endpoints."
  }

  assert {
    condition     = module.eks.api_access_rules == { ci-runner = module.ci_runner[0].security_group_id }
    error_message = "The runner's security group must be let in to the private API endpoint on 443."
  }
}

run "one_per_az_nat_private_endpoint_with_runner_and_bastion" {
  command = plan

  variables {
    nat_mode       = "one_per_az"
    enable_bastion = true
  }

  assert {
    condition     = length(module.network.nat_gateway_ids) == 3 && length(module.network.interface_endpoint_services) == 0 && output.bastion_instance_id == "i-0123456789abcdef0"
    error_message = "one_per_az: three NAT gateways; the bastion reaches Session Manager through NAT, no endpoints needed."
  }

  assert {
    condition     = module.eks.api_access_rules == { ci-runner = module.ci_runner[0].security_group_id, bastion = module.bastion[0].security_group_id }
    error_message = "The runner and the bastion are both let in to the private API endpoint."
  }
}

run "nat_with_public_cidrs_endpoint_needs_no_runner" {
  command = plan

  variables {
    endpoint_access     = "public_cidrs"
    public_access_cidrs = ["203.0.113.0/24"]
    ci_runner           = null
  }

  assert {
    condition     = output.cluster_endpoint_access == "public_cidrs" && output.ci_runner_project == null && length(module.eks.api_access_rules) == 0
    error_message = "A public endpoint needs no runner; GitHub-hosted runners deploy."
  }
}

run "single_nat_with_public_any_endpoint" {
  command = plan

  variables {
    endpoint_access = "public_any"
    ci_runner       = null
  }

  assert {
    condition     = output.cluster_endpoint_access == "public_any" && length(module.network.nat_gateway_ids) == 1 && length(module.network.egress_dependencies) == 4 && output.image_registry_cache == null
    error_message = "Single NAT with an open endpoint: NAT routes are the egress, no cache."
  }
}

run "nat_per_az_with_public_cidrs_endpoint" {
  command = plan

  variables {
    nat_mode            = "one_per_az"
    endpoint_access     = "public_cidrs"
    public_access_cidrs = ["203.0.113.0/24"]
    ci_runner           = null
  }

  assert {
    condition     = output.cluster_endpoint_access == "public_cidrs" && length(module.network.nat_gateway_ids) == 3 && length(module.network.egress_dependencies) == 4 && output.ci_runner_project == null
    error_message = "One NAT per AZ with a CIDR-restricted endpoint: three NAT routes and the S3 gateway."
  }
}

run "nat_per_az_with_public_any_endpoint" {
  command = plan

  variables {
    nat_mode        = "one_per_az"
    endpoint_access = "public_any"
    ci_runner       = null
  }

  assert {
    condition     = output.cluster_endpoint_access == "public_any" && output.ci_runner_project == null
    error_message = "public_any is an explicit choice the outputs report."
  }
}

run "no_nat_public_cidrs_endpoint_through_endpoints_and_the_cache" {
  command = plan

  variables {
    nat_mode                   = "none"
    enable_interface_endpoints = true
    endpoint_access            = "public_cidrs"
    public_access_cidrs        = ["203.0.113.0/24"]
    ci_runner                  = null
    enable_bastion             = true
    pull_through_cache_credentials = {
      docker_hub_credential_arn                = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
      github_container_registry_credential_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/ghcr-AbCdEf"
    }
  }

  assert {
    condition     = length(module.network.nat_gateway_ids) == 0 && module.network.interface_endpoint_services == tolist(["ec2", "ec2messages", "ecr.api", "ecr.dkr", "eks-auth", "elasticloadbalancing", "logs", "sqs", "ssm", "ssmmessages", "sts"])
    error_message = "No NAT: every endpoint the nodes, the platform, Karpenter and the bastion's Session Manager need."
  }

  assert {
    condition     = length(module.network.egress_dependencies) == 12
    error_message = "No NAT: the nodes' egress is the S3 gateway and the eleven interface endpoints."
  }

  assert {
    condition     = output.image_registry_cache == "123456789012.dkr.ecr.eu-west-1.amazonaws.com" && module.pull_through_cache[0].upstream_registries == tolist(["docker.io", "ghcr.io", "public.ecr.aws", "quay.io", "registry.k8s.io"])
    error_message = "No NAT: every public registry is served by the pull-through cache, and the workflows learn its host."
  }
}

run "no_nat_public_any_endpoint" {
  command = plan

  variables {
    nat_mode                   = "none"
    enable_interface_endpoints = true
    endpoint_access            = "public_any"
    ci_runner                  = null
    pull_through_cache_credentials = {
      docker_hub_credential_arn                = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
      github_container_registry_credential_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/ghcr-AbCdEf"
    }
  }

  assert {
    condition     = module.network.interface_endpoint_services == tolist(["ec2", "ecr.api", "ecr.dkr", "eks-auth", "elasticloadbalancing", "logs", "sqs", "ssm", "sts"]) && output.cluster_endpoint_access == "public_any" && output.image_registry_cache != null
    error_message = "No NAT without a bastion: the seven platform endpoints, Karpenter's ssm and sqs, and the cache."
  }

  assert {
    condition     = output.karpenter_isolated_vpc && aws_ssm_parameter.published["karpenter_isolated_vpc"].value == "true"
    error_message = "No NAT: Karpenter cannot reach the pricing API, so it must run with isolatedVPC, published for the deploy's platform sync."
  }
}

run "rejects_no_nat_with_a_private_endpoint" {
  command = plan

  variables {
    nat_mode                   = "none"
    enable_interface_endpoints = true
    pull_through_cache_credentials = {
      docker_hub_credential_arn                = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
      github_container_registry_credential_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/ghcr-AbCdEf"
    }
  }

  expect_failures = [var.ci_runner]
}

run "rejects_a_private_endpoint_without_the_runner" {
  command = plan

  variables {
    ci_runner = null
  }

  expect_failures = [var.endpoint_access]
}

run "rejects_no_nat_without_the_cache" {
  command = plan

  variables {
    nat_mode                   = "none"
    enable_interface_endpoints = true
    endpoint_access            = "public_any"
    ci_runner                  = null
  }

  expect_failures = [var.pull_through_cache_credentials]
}

run "tls_through_the_root" {
  command = plan

  variables {
    certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100"
    app_dns_name    = "app.example.com"
  }

  assert {
    condition     = output.app_url == "https://app.example.com" && aws_ssm_parameter.published["app_url"].value == "https://app.example.com"
    error_message = "With a certificate, app_url (and what the smoke test reads) must be https on the name the certificate covers, never the NLB's own name."
  }

  assert {
    condition     = output.load_balancer_dns_name == "devops-eks-cluster-0123456789abcdef.elb.eu-west-1.amazonaws.com"
    error_message = "load_balancer_dns_name must give the CNAME target for app_dns_name."
  }
}

run "rejects_certificate_without_dns_name" {
  command = plan

  variables {
    certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100"
  }

  expect_failures = [var.certificate_arn]
}

run "rejects_bad_dns_name" {
  command = plan

  variables {
    app_dns_name = "https://app.example.com/"
  }

  expect_failures = [var.app_dns_name]
}

run "dns_name_without_certificate_is_http" {
  command = plan

  variables {
    app_dns_name = "app.example.com"
  }

  assert {
    condition     = output.app_url == "http://app.example.com"
    error_message = "Without a certificate, app_url must be http on app_dns_name."
  }
}

run "publishes_the_deploy_outputs" {
  command = plan

  assert {
    condition = { for name, parameter in aws_ssm_parameter.published : parameter.name => parameter.value } == {
      "/devops-eks-cluster/platform/ecr_repository_url"  = output.ecr_repository_url
      "/devops-eks-cluster/platform/target_group_arn"    = output.target_group_arn
      "/devops-eks-cluster/platform/public_subnet_cidrs" = jsonencode(output.public_subnet_cidrs)
      "/devops-eks-cluster/platform/vpc_id"              = output.vpc_id
      "/devops-eks-cluster/platform/app_url"             = output.app_url
      # platform/karpenter/sync.sh's inputs, which the deploy's platform sync reads from here.
      "/devops-eks-cluster/platform/karpenter_isolated_vpc"       = "false"
      "/devops-eks-cluster/platform/karpenter_node_role_name"     = output.karpenter_node_role_name
      "/devops-eks-cluster/platform/karpenter_interruption_queue" = output.karpenter_interruption_queue
    }
    error_message = "Every value the workflows read must be published under parameter_prefix, equal to its output."
  }

  assert {
    condition     = alltrue([for parameter in aws_ssm_parameter.published : parameter.type == "String"])
    error_message = "Published outputs are identifiers, stored as plain String parameters."
  }
}

# The shared settings file moves both roots together; a second region plans cleanly once the
# bootstrap's roles carry it too.
run "second_region" {
  command = plan

  variables {
    aws_region = "us-east-1"
  }

  override_data {
    target = data.aws_iam_role.ci["plan"]
    values = { arn = "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-plan", tags = { PlatformRegion = "us-east-1", PlatformEcrRepository = "webapp", PlatformParameterPrefix = "/devops-eks-cluster/platform" } }
  }

  override_data {
    target = data.aws_iam_role.ci["apply"]
    values = { arn = "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-apply", tags = { PlatformRegion = "us-east-1", PlatformEcrRepository = "webapp", PlatformParameterPrefix = "/devops-eks-cluster/platform" } }
  }

  override_data {
    target = data.aws_iam_role.ci["deploy"]
    values = { arn = "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-deploy", tags = { PlatformRegion = "us-east-1", PlatformEcrRepository = "webapp", PlatformParameterPrefix = "/devops-eks-cluster/platform" } }
  }

  override_data {
    target = data.aws_iam_role.ci["platform_sync"]
    values = { arn = "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-platform-sync", tags = { PlatformRegion = "us-east-1", PlatformEcrRepository = "webapp", PlatformParameterPrefix = "/devops-eks-cluster/platform" } }
  }

  assert {
    condition     = output.aws_region == "us-east-1" && jsondecode(aws_kms_key.logs.policy).Statement[1].Principal.Service == "logs.us-east-1.amazonaws.com"
    error_message = "The platform must follow the settings' region."
  }
}

# A settings change that the bootstrap has not been applied with is refused before anything
# is created: the CI roles' policies would still point at the old region.
run "refuses_a_bootstrap_applied_with_other_settings" {
  command = plan

  variables {
    aws_region = "us-east-1"
  }

  expect_failures = [data.aws_iam_role.ci]
}

run "rejects_bad_region" {
  command = plan

  variables {
    aws_region = "eu-west"
  }

  expect_failures = [var.aws_region]
}

run "rejects_bad_cluster_name" {
  command = plan

  variables {
    cluster_name = "devops-eks-cluster-"
  }

  expect_failures = [var.cluster_name]
}

run "rejects_bad_kubernetes_version" {
  command = plan

  variables {
    kubernetes_version = "v1.35"
  }

  expect_failures = [var.kubernetes_version]
}

# The name rule shared by every config: no trailing hyphen, at most 28 characters (29 refused).
run "rejects_cluster_name_with_trailing_hyphen" {
  command = plan

  variables {
    cluster_name = "webapp-"
  }

  expect_failures = [var.cluster_name]
}

run "rejects_cluster_name_of_29_characters" {
  command = plan

  variables {
    cluster_name = "a2345678901234567890123456789"
  }

  expect_failures = [var.cluster_name]
}

run "accepts_cluster_name_of_28_characters" {
  command = plan

  variables {
    cluster_name = "a234567890123456789012345678"
  }
}

run "ci_identities_reach_the_cluster_and_roles_carry_the_boundary" {
  command = plan

  assert {
    condition = (
      jsonencode(module.eks.ci_access) == jsonencode({
        deploy        = { namespaces = ["webapp"], policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy", principal_arn = "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-deploy", scope = "namespace" }
        platform_sync = { namespaces = [], policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", principal_arn = "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-platform-sync", scope = "cluster" }
      })
    )
    error_message = "The platform sync role must be cluster-scoped and the deploy role limited to the app namespace."
  }

  assert {
    condition     = module.network.flow_log_role_permissions_boundary == "arn:aws:iam::123456789012:policy/devops-eks-cluster-permissions-boundary" && module.eks.permissions_boundary_arn == "arn:aws:iam::123456789012:policy/devops-eks-cluster-permissions-boundary"
    error_message = "The bootstrap's permissions boundary must reach every module that creates roles."
  }
}

run "rejects_a_cluster_nobody_can_administer" {
  command = plan

  variables {
    admin_principal_arns = []
  }

  expect_failures = [var.admin_principal_arns]
}
