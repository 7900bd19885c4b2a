data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id        = data.aws_caller_identity.current.account_id
  partition         = data.aws_partition.current.partition
  aws_policy        = "arn:${local.partition}:iam::aws:policy"
  eks_access_policy = "arn:${local.partition}:eks::aws:cluster-access-policy"

  public_endpoint = var.endpoint_access != "private"
  public_access_cidrs = {
    private      = null
    public_cidrs = var.public_access_cidrs
    public_any   = ["0.0.0.0/0"]
  }[var.endpoint_access]
}

################################################################################
# Secrets encryption and control-plane logs
################################################################################

resource "aws_kms_key" "secrets" {
  description             = "Encrypts Kubernetes secrets of EKS cluster ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = 7

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      # The default key policy: IAM policies in this account (the cluster role's
      # AmazonEKSClusterPolicy grant) decide who may use the key.
      Sid       = "AccountAdministersKey"
      Effect    = "Allow"
      Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })

  tags = var.tags
}

resource "aws_kms_alias" "secrets" {
  name          = "alias/eks/${var.name}"
  target_key_id = aws_kms_key.secrets.key_id
}

# Created before the cluster: otherwise EKS creates it on its own, with no retention.
resource "aws_cloudwatch_log_group" "cluster" {
  #checkov:skip=CKV_AWS_338:Retention is a variable (30 days by default); a year of control-plane logs is a cost decision for the operator.
  name              = "/aws/eks/${var.name}/cluster"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = var.tags
}

################################################################################
# Cluster
################################################################################

resource "aws_iam_role" "cluster" {
  name        = "${var.name}-cluster"
  description = "EKS control plane of ${var.name}"

  permissions_boundary = var.permissions_boundary_arn

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "cluster" {
  for_each = toset(["AmazonEKSClusterPolicy"])

  role       = aws_iam_role.cluster.name
  policy_arn = "${local.aws_policy}/${each.key}"
}

resource "aws_eks_cluster" "this" {
  #checkov:skip=CKV_AWS_37:api, audit and authenticator logs record who called the API, what changed and who signed in; controllerManager and scheduler logs add CloudWatch cost for little operational use.
  name     = var.name
  version  = var.kubernetes_version
  role_arn = aws_iam_role.cluster.arn

  # The add-ons below are managed and pinned; EKS must not install its own unmanaged copies.
  bootstrap_self_managed_addons = false

  enabled_cluster_log_types = ["api", "audit", "authenticator"]

  vpc_config {
    subnet_ids              = var.private_subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = local.public_endpoint
    public_access_cidrs     = local.public_access_cidrs
  }

  access_config {
    authentication_mode                         = "API"
    bootstrap_cluster_creator_admin_permissions = false
  }

  encryption_config {
    resources = ["secrets"]

    provider {
      key_arn = aws_kms_key.secrets.arn
    }
  }

  upgrade_policy {
    support_type = var.support_type
  }

  tags = var.tags

  depends_on = [
    aws_cloudwatch_log_group.cluster,
    aws_iam_role_policy_attachment.cluster,
  ]
}

# The CI runner and the bastion reach the private endpoint through the cluster security group.
resource "aws_vpc_security_group_ingress_rule" "api_access" {
  for_each = var.api_access_security_group_ids

  security_group_id            = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
  description                  = "Kubernetes API from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = each.value

  tags = var.tags
}

################################################################################
# Access entries: admins, and the CI deploy role
################################################################################

resource "aws_eks_access_entry" "admin" {
  for_each = toset(var.admin_principal_arns)

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.value
  type          = "STANDARD"

  tags = var.tags
}

resource "aws_eks_access_policy_association" "admin" {
  for_each = aws_eks_access_entry.admin

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.value.principal_arn
  policy_arn    = "${local.eks_access_policy}/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}

# The platform sync installs CRDs, ClusterRoles, webhooks and the StorageClass, and creates the
# app namespace with the deploy group's Role: cluster admin, in a job of its own.
resource "aws_eks_access_entry" "platform_sync" {
  count = var.platform_sync_role_arn == null ? 0 : 1

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = var.platform_sync_role_arn
  type          = "STANDARD"

  tags = var.tags
}

resource "aws_eks_access_policy_association" "platform_sync" {
  count = var.platform_sync_role_arn == null ? 0 : 1

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = aws_eks_access_entry.platform_sync[0].principal_arn
  policy_arn    = "${local.eks_access_policy}/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}

# The app deploy: Kubernetes' edit role in the app namespace only (no RBAC objects, nothing
# cluster-scoped). Its group is bound, in that namespace only, to the Role for the chart's
# custom resources (TargetGroupBinding, ServiceMonitor, PrometheusRule) that the platform sync
# creates (platform/manifests/app-namespace.yaml).
resource "aws_eks_access_entry" "deploy" {
  count = var.deploy_role_arn == null ? 0 : 1

  cluster_name      = aws_eks_cluster.this.name
  principal_arn     = var.deploy_role_arn
  type              = "STANDARD"
  kubernetes_groups = [var.deploy_kubernetes_group]

  tags = var.tags
}

resource "aws_eks_access_policy_association" "deploy" {
  count = var.deploy_role_arn == null ? 0 : 1

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = aws_eks_access_entry.deploy[0].principal_arn
  policy_arn    = "${local.eks_access_policy}/AmazonEKSEditPolicy"

  access_scope {
    type       = "namespace"
    namespaces = [var.app_namespace]
  }
}
