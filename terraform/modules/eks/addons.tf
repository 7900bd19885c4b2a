################################################################################
# Managed add-ons and their Pod Identity roles
################################################################################

locals {
  # Add-ons that are DaemonSets and that nodes need to become Ready go before the node
  # group; Deployments (coredns, metrics-server, the EBS CSI controller) would report
  # DEGRADED without nodes, so they go after it.
  addons_before_nodes = {
    "vpc-cni" = {
      # The chart's NetworkPolicy is enforced by the VPC CNI's network policy agent.
      configuration_values = jsonencode({ enableNetworkPolicy = "true" })
      service_account      = local.pod_identity_roles["vpc-cni"].service_account
    }
    "kube-proxy" = { configuration_values = null, service_account = null }
  }

  addons_after_nodes = {
    "coredns"            = { configuration_values = null, service_account = null }
    "metrics-server"     = { configuration_values = null, service_account = null }
    "aws-ebs-csi-driver" = { configuration_values = null, service_account = local.pod_identity_roles["aws-ebs-csi-driver"].service_account }
  }

  # Each role is bound to one service account of this cluster.
  pod_identity_roles = {
    "vpc-cni"                      = { namespace = "kube-system", service_account = "aws-node" }
    "aws-ebs-csi-driver"           = { namespace = "kube-system", service_account = "ebs-csi-controller-sa" }
    "aws-load-balancer-controller" = { namespace = var.load_balancer_controller_service_account.namespace, service_account = var.load_balancer_controller_service_account.name }
  }

  pod_identity_managed_policies = {
    "vpc-cni"            = "${local.aws_policy}/AmazonEKS_CNI_Policy"
    "aws-ebs-csi-driver" = "${local.aws_policy}/service-role/AmazonEBSCSIDriverPolicy"
  }
}

resource "aws_iam_role" "pod_identity" {
  for_each = local.pod_identity_roles

  name        = "${var.name}-${each.key}"
  description = "EKS Pod Identity role of ${each.key} in ${var.name}"

  permissions_boundary = var.permissions_boundary_arn

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "pods.eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
      # Session tags that EKS Pod Identity sets on every AssumeRole call.
      Condition = {
        StringEquals = {
          "aws:RequestTag/eks-cluster-arn"            = aws_eks_cluster.this.arn
          "aws:RequestTag/kubernetes-namespace"       = each.value.namespace
          "aws:RequestTag/kubernetes-service-account" = each.value.service_account
        }
      }
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "pod_identity" {
  for_each = local.pod_identity_managed_policies

  role       = aws_iam_role.pod_identity[each.key].name
  policy_arn = each.value
}

# The controller's documented IAM policy, cut down to what TargetGroupBinding uses: Terraform
# owns the NLB, its listeners and security-group rules, so the controller only reads and
# registers pod IPs in the given target groups. It cannot create load balancers that a
# destroy would orphan.
resource "aws_iam_role_policy" "load_balancer_controller" {
  #checkov:skip=CKV_AWS_355:Only the read-only Discover statement uses "*", as in the controller's documented policy; EC2/ELB Describe calls take no resource ARNs.
  name = "target-group-binding"
  role = aws_iam_role.pod_identity["aws-load-balancer-controller"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Describe calls have no resource-level permissions.
        Sid    = "Discover"
        Effect = "Allow"
        Action = [
          "ec2:DescribeAvailabilityZones",
          "ec2:DescribeInstances",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeSubnets",
          "ec2:DescribeTags",
          "ec2:DescribeVpcs",
          "ec2:GetSecurityGroupsForVpc",
          "elasticloadbalancing:DescribeListenerAttributes",
          "elasticloadbalancing:DescribeListeners",
          "elasticloadbalancing:DescribeLoadBalancerAttributes",
          "elasticloadbalancing:DescribeLoadBalancers",
          "elasticloadbalancing:DescribeTags",
          "elasticloadbalancing:DescribeTargetGroupAttributes",
          "elasticloadbalancing:DescribeTargetGroups",
          "elasticloadbalancing:DescribeTargetHealth",
        ]
        Resource = "*"
      },
      {
        Sid      = "RegisterPods"
        Effect   = "Allow"
        Action   = ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"]
        Resource = var.load_balancer_target_group_arns
      },
    ]
  })
}

# Opt-in: the controller's documented policy, unchanged (aws-load-balancer-controller v3.5.0,
# docs/install/iam_policy.json), for clusters that let it create load balancers itself.
resource "aws_iam_role_policy" "load_balancer_controller_full" {
  #checkov:skip=CKV_AWS_355:The upstream controller policy; Describe calls and CreateLoadBalancer/CreateTargetGroup take no resource ARNs before the resource exists.
  #checkov:skip=CKV_AWS_290:The upstream controller policy; its write actions are conditioned on the elbv2.k8s.aws/cluster tag.
  #checkov:skip=CKV_AWS_289:The upstream controller policy; security-group and load-balancer writes are conditioned on the elbv2.k8s.aws/cluster tag.
  count = var.load_balancer_controller_creates_load_balancers ? 1 : 0

  name   = "aws-load-balancer-controller"
  role   = aws_iam_role.pod_identity["aws-load-balancer-controller"].id
  policy = file("${path.module}/policies/aws-load-balancer-controller.json")
}

resource "aws_eks_pod_identity_association" "load_balancer_controller" {
  cluster_name    = aws_eks_cluster.this.name
  namespace       = local.pod_identity_roles["aws-load-balancer-controller"].namespace
  service_account = local.pod_identity_roles["aws-load-balancer-controller"].service_account
  role_arn        = aws_iam_role.pod_identity["aws-load-balancer-controller"].arn

  tags = var.tags
}

resource "aws_eks_addon" "pod_identity_agent" {
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = "eks-pod-identity-agent"
  addon_version               = var.addon_versions["eks-pod-identity-agent"]
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"

  tags = var.tags
}

resource "aws_eks_addon" "before_nodes" {
  for_each = local.addons_before_nodes

  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.key
  addon_version               = var.addon_versions[each.key]
  configuration_values        = each.value.configuration_values
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"

  dynamic "pod_identity_association" {
    for_each = each.value.service_account == null ? [] : [each.value.service_account]

    content {
      role_arn        = aws_iam_role.pod_identity[each.key].arn
      service_account = pod_identity_association.value
    }
  }

  tags = var.tags

  depends_on = [
    aws_eks_addon.pod_identity_agent,
    aws_iam_role_policy_attachment.pod_identity,
  ]
}

resource "aws_eks_addon" "after_nodes" {
  for_each = local.addons_after_nodes

  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.key
  addon_version               = var.addon_versions[each.key]
  configuration_values        = each.value.configuration_values
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"

  dynamic "pod_identity_association" {
    for_each = each.value.service_account == null ? [] : [each.value.service_account]

    content {
      role_arn        = aws_iam_role.pod_identity[each.key].arn
      service_account = pod_identity_association.value
    }
  }

  tags = var.tags

  depends_on = [
    aws_eks_node_group.default,
    aws_iam_role_policy_attachment.pod_identity,
  ]
}
