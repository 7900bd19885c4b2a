provider "aws" {
  region = var.aws_region

  default_tags {
    tags = var.tags
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  ci_role_names = coalesce(var.ci_role_names, {
    plan          = "${var.cluster_name}-ci-plan"
    apply         = "${var.cluster_name}-ci-apply"
    platform_sync = "${var.cluster_name}-ci-platform-sync"
    deploy        = "${var.cluster_name}-ci-deploy"
  })

  # Session Manager without NAT needs its own endpoints.
  bastion_endpoints = var.enable_bastion && var.nat_mode == "none" ? ["ssm", "ssmmessages", "ec2messages"] : []

  # Karpenter without NAT: ssm resolves the AMI alias, sqs carries interruptions (ec2, sts and
  # eks-auth are platform endpoints). The pricing API has no endpoint in most regions, so the
  # controller then runs with isolatedVPC (output karpenter_isolated_vpc) and built-in prices.
  karpenter_endpoints = var.nat_mode == "none" ? ["ssm", "sqs"] : []

  api_access_security_group_ids = merge(
    var.ci_runner == null ? {} : { ci-runner = module.ci_runner[0].security_group_id },
    var.enable_bastion ? { bastion = module.bastion[0].security_group_id } : {},
  )
}

# Created by terraform/bootstrap: every role this configuration creates must carry it, or the
# CI apply role is refused (iam:PermissionsBoundary). Looked up, so a missing one fails the plan.
data "aws_iam_policy" "permissions_boundary" {
  arn = "arn:${local.partition}:iam::${local.account_id}:policy/${var.cluster_name}-permissions-boundary"
}

# Created by terraform/bootstrap; looked up so the platform sync and deploy roles get their
# access entries and the workflows find every ARN in one place.
data "aws_iam_role" "ci" {
  for_each = local.ci_role_names

  name = each.value

  lifecycle {
    # The bootstrap tags its roles with the shared settings it was applied with; its role
    # policies are scoped to that region, repository and parameter path.
    postcondition {
      condition = alltrue([
        lookup(self.tags, "PlatformRegion", "") == var.aws_region,
        lookup(self.tags, "PlatformEcrRepository", "") == var.ecr_repository_name,
        lookup(self.tags, "PlatformParameterPrefix", "") == var.parameter_prefix,
      ])
      error_message = "The CI role ${self.name} was created by terraform/bootstrap with region ${lookup(self.tags, "PlatformRegion", "(untagged)")}, ECR repository ${lookup(self.tags, "PlatformEcrRepository", "(untagged)")} and parameter prefix ${lookup(self.tags, "PlatformParameterPrefix", "(untagged)")}, but terraform/settings.auto.tfvars.json now says ${var.aws_region}, ${var.ecr_repository_name} and ${var.parameter_prefix}. Apply terraform/bootstrap again with the same settings file (make bootstrap-apply), then plan again."
    }
  }
}

################################################################################
# Encryption of the platform's log groups
################################################################################

resource "aws_kms_key" "logs" {
  description             = "Encrypts the CloudWatch log groups of ${var.cluster_name}"
  enable_key_rotation     = true
  deletion_window_in_days = 7

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # The default key policy: IAM policies in this account decide who may use the key.
        Sid       = "AccountAdministersKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsUsesKey"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.aws_region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${var.aws_region}:${local.account_id}:log-group:*" }
        }
      },
    ]
  })
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${var.cluster_name}/logs"
  target_key_id = aws_kms_key.logs.key_id
}

################################################################################
# The platform
################################################################################

module "network" {
  source = "../modules/network"

  name                           = var.cluster_name
  vpc_cidr                       = var.vpc_cidr
  az_count                       = var.az_count
  availability_zones             = var.availability_zones
  nat_mode                       = var.nat_mode
  enable_interface_endpoints     = var.enable_interface_endpoints
  additional_interface_endpoints = distinct(concat(local.bastion_endpoints, local.karpenter_endpoints))
  flow_log_retention_days        = var.log_retention_days
  log_kms_key_arn                = aws_kms_key.logs.arn
  permissions_boundary_arn       = data.aws_iam_policy.permissions_boundary.arn

  # Karpenter launches nodes into the subnets that carry its discovery tag.
  private_subnet_tags = { "karpenter.sh/discovery" = var.cluster_name }
}

module "ecr" {
  source = "../modules/ecr"

  name         = var.ecr_repository_name
  force_delete = var.ecr_force_delete
}

module "nlb" {
  source = "../modules/nlb"

  name                   = var.cluster_name
  vpc_id                 = module.network.vpc_id
  public_subnet_ids      = module.network.public_subnet_ids
  node_security_group_id = module.eks.node_security_group_id
  certificate_arn        = var.certificate_arn
  ingress_cidrs          = var.app_ingress_cidrs
}

module "eks" {
  source = "../modules/eks"

  name               = var.cluster_name
  kubernetes_version = var.kubernetes_version
  addon_versions     = var.addon_versions

  vpc_id                        = module.network.vpc_id
  private_subnet_ids            = module.network.private_subnet_ids
  node_egress_dependencies      = module.network.egress_dependencies
  endpoint_access               = var.endpoint_access
  public_access_cidrs           = var.public_access_cidrs
  api_access_security_group_ids = local.api_access_security_group_ids

  admin_principal_arns     = var.admin_principal_arns
  platform_sync_role_arn   = data.aws_iam_role.ci["platform_sync"].arn
  deploy_role_arn          = data.aws_iam_role.ci["deploy"].arn
  app_namespace            = var.app_namespace
  permissions_boundary_arn = data.aws_iam_policy.permissions_boundary.arn

  node_instance_types = var.node_instance_types
  node_capacity_type  = var.node_capacity_type
  node_size           = var.node_size

  load_balancer_target_group_arns                 = [module.nlb.target_group_arn]
  load_balancer_controller_creates_load_balancers = var.load_balancer_controller_creates_load_balancers

  log_retention_days = var.log_retention_days
  log_kms_key_arn    = aws_kms_key.logs.arn
}

################################################################################
# Reaching a private cluster, and nodes without NAT
################################################################################

module "ci_runner" {
  source = "../modules/ci-runner"
  count  = var.ci_runner == null ? 0 : 1

  name                    = "${var.cluster_name}-ci"
  github_repository       = var.ci_runner.github_repository
  codeconnections_arn     = var.ci_runner.codeconnections_arn
  github_token_secret_arn = var.ci_runner.github_token_secret_arn

  vpc_id     = module.network.vpc_id
  subnet_ids = module.network.private_subnet_ids

  log_retention_days       = var.log_retention_days
  log_kms_key_arn          = aws_kms_key.logs.arn
  permissions_boundary_arn = data.aws_iam_policy.permissions_boundary.arn
}

module "bastion" {
  source = "../modules/bastion"
  count  = var.enable_bastion ? 1 : 0

  name      = var.cluster_name
  vpc_id    = module.network.vpc_id
  subnet_id = module.network.private_subnet_ids[0]

  permissions_boundary_arn = data.aws_iam_policy.permissions_boundary.arn
}

module "pull_through_cache" {
  source = "../modules/pull-through-cache"
  count  = var.pull_through_cache_credentials == null ? 0 : 1

  docker_hub_credential_arn                = var.pull_through_cache_credentials.docker_hub_credential_arn
  github_container_registry_credential_arn = var.pull_through_cache_credentials.github_container_registry_credential_arn
  puller_role_names                        = [module.eks.node_role_name, module.karpenter.node_role_name]
}

module "karpenter" {
  source = "../modules/karpenter"

  cluster_name           = module.eks.cluster_name
  cluster_arn            = module.eks.cluster_arn
  node_security_group_id = module.eks.node_security_group_id

  permissions_boundary_arn = data.aws_iam_policy.permissions_boundary.arn
}
