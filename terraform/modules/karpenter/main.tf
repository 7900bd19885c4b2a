locals {
  # arn:PARTITION:eks:REGION:ACCOUNT:cluster/NAME
  arn_parts  = split(":", var.cluster_arn)
  partition  = local.arn_parts[1]
  region     = local.arn_parts[3]
  account_id = local.arn_parts[4]
  aws_policy = "arn:${local.partition}:iam::aws:policy"
  ec2_arn    = "arn:${local.partition}:ec2:${local.region}:${local.account_id}"
  # What a launch creates: created and tagged only with the cluster's tags in the request.
  launched_arns = [for kind in ["fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"] : "${local.ec2_arn}:${kind}/*"]

  # Tags Karpenter puts on everything it launches; the controller may only touch resources
  # that carry them, so it cannot terminate the system group or anything else in the account.
  owned_tag   = "kubernetes.io/cluster/${var.cluster_name}"
  nodepool    = "karpenter.sh/nodepool"
  nodeclass   = "karpenter.k8s.aws/ec2nodeclass"
  region_tag  = "topology.kubernetes.io/region"
  cluster_tag = "eks:eks-cluster-name"

  # The discovery tag the EC2NodeClass selects subnets and security groups by.
  discovery_tag = { "karpenter.sh/discovery" = var.cluster_name }

  # What Karpenter reacts to: each event arrives at the queue, the controller drains the node
  # before EC2 takes it away.
  interruption_events = {
    spot-interruption    = { source = "aws.ec2", detail_type = "EC2 Spot Instance Interruption Warning" }
    rebalance            = { source = "aws.ec2", detail_type = "EC2 Instance Rebalance Recommendation" }
    instance-state       = { source = "aws.ec2", detail_type = "EC2 Instance State-change Notification" }
    scheduled-change     = { source = "aws.health", detail_type = "AWS Health Event" }
    capacity-reservation = { source = "aws.ec2", detail_type = "EC2 Capacity Reservation Instance Interruption Warning" }
  }
}

################################################################################
# Node role: what every node Karpenter launches runs as
################################################################################

resource "aws_iam_role" "node" {
  name        = "${var.cluster_name}-karpenter-node"
  description = "Nodes that Karpenter launches in ${var.cluster_name}"

  permissions_boundary = var.permissions_boundary_arn

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = var.tags
}

# The managed node group's policies, no more: the VPC CNI's rights come through Pod Identity,
# and nodes are reached with kubectl, not SSM sessions.
resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset(["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"])

  role       = aws_iam_role.node.name
  policy_arn = "${local.aws_policy}/${each.key}"
}

# Managed node groups get their access entry from EKS; self-launched nodes need one to join.
resource "aws_eks_access_entry" "node" {
  cluster_name  = var.cluster_name
  principal_arn = aws_iam_role.node.arn
  type          = "EC2_LINUX"

  tags = var.tags
}

################################################################################
# Controller role (EKS Pod Identity)
################################################################################

resource "aws_iam_role" "controller" {
  name        = "${var.cluster_name}-karpenter"
  description = "EKS Pod Identity role of the Karpenter controller in ${var.cluster_name}"

  permissions_boundary = var.permissions_boundary_arn

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "pods.eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
      Condition = {
        StringEquals = {
          "aws:RequestTag/eks-cluster-arn"            = var.cluster_arn
          "aws:RequestTag/kubernetes-namespace"       = var.service_account.namespace
          "aws:RequestTag/kubernetes-service-account" = var.service_account.name
        }
      }
    }]
  })

  tags = var.tags
}

resource "aws_eks_pod_identity_association" "controller" {
  cluster_name    = var.cluster_name
  namespace       = var.service_account.namespace
  service_account = var.service_account.name
  role_arn        = aws_iam_role.controller.arn

  tags = var.tags
}

# Karpenter's reference controller policy (the getting-started CloudFormation of the pinned
# version), with every ARN narrowed to this account and region: launches and deletions only on
# resources tagged for this cluster and a NodePool, PassRole only for the node role.
resource "aws_iam_role_policy" "controller" {
  #checkov:skip=CKV_AWS_355:Only Describe calls, pricing:GetProducts and iam:ListInstanceProfiles use "*": they take no resource ARNs; the Describe calls are held to the cluster's region.
  #checkov:skip=CKV_AWS_290:Every write is conditioned on the cluster's ownership tag and a karpenter.sh/nodepool tag (request or resource), as Karpenter's reference policy does.
  name = "karpenter-controller"
  role = aws_iam_role.controller.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Public AMIs and snapshots belong to other accounts; subnets and groups are found by tag.
        Sid    = "LaunchFromDiscoveredResources"
        Effect = "Allow"
        Action = ["ec2:RunInstances", "ec2:CreateFleet"]
        Resource = [
          "arn:${local.partition}:ec2:${local.region}::image/*",
          "arn:${local.partition}:ec2:${local.region}::snapshot/*",
          "${local.ec2_arn}:security-group/*",
          "${local.ec2_arn}:subnet/*",
          "${local.ec2_arn}:capacity-reservation/*",
          "${local.ec2_arn}:placement-group/*",
        ]
      },
      {
        Sid      = "LaunchFromOwnLaunchTemplates"
        Effect   = "Allow"
        Action   = ["ec2:RunInstances", "ec2:CreateFleet"]
        Resource = "${local.ec2_arn}:launch-template/*"
        Condition = {
          StringEquals = { "aws:ResourceTag/${local.owned_tag}" = "owned" }
          StringLike   = { "aws:ResourceTag/${local.nodepool}" = "*" }
        }
      },
      {
        Sid      = "CreateTaggedForCluster"
        Effect   = "Allow"
        Action   = ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"]
        Resource = local.launched_arns
        Condition = {
          StringEquals = {
            "aws:RequestTag/${local.owned_tag}"   = "owned"
            "aws:RequestTag/${local.cluster_tag}" = var.cluster_name
          }
          StringLike = { "aws:RequestTag/${local.nodepool}" = "*" }
        }
      },
      {
        Sid      = "TagOnCreate"
        Effect   = "Allow"
        Action   = "ec2:CreateTags"
        Resource = local.launched_arns
        Condition = {
          StringEquals = {
            "aws:RequestTag/${local.owned_tag}"   = "owned"
            "aws:RequestTag/${local.cluster_tag}" = var.cluster_name
            "ec2:CreateAction"                    = ["RunInstances", "CreateFleet", "CreateLaunchTemplate"]
          }
          StringLike = { "aws:RequestTag/${local.nodepool}" = "*" }
        }
      },
      {
        # Only the node-claim and name tags may be added to a running node afterwards.
        Sid      = "TagOwnInstances"
        Effect   = "Allow"
        Action   = "ec2:CreateTags"
        Resource = "${local.ec2_arn}:instance/*"
        Condition = {
          StringEquals                = { "aws:ResourceTag/${local.owned_tag}" = "owned" }
          StringLike                  = { "aws:ResourceTag/${local.nodepool}" = "*" }
          StringEqualsIfExists        = { "aws:RequestTag/${local.cluster_tag}" = var.cluster_name }
          "ForAllValues:StringEquals" = { "aws:TagKeys" = [local.cluster_tag, "karpenter.sh/nodeclaim", "Name"] }
        }
      },
      {
        Sid      = "DeleteOwnInstances"
        Effect   = "Allow"
        Action   = ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"]
        Resource = ["${local.ec2_arn}:instance/*", "${local.ec2_arn}:launch-template/*"]
        Condition = {
          StringEquals = { "aws:ResourceTag/${local.owned_tag}" = "owned" }
          StringLike   = { "aws:ResourceTag/${local.nodepool}" = "*" }
        }
      },
      {
        Sid      = "PassNodeRole"
        Effect   = "Allow"
        Action   = "iam:PassRole"
        Resource = aws_iam_role.node.arn
        Condition = {
          StringEquals = { "iam:PassedToService" = "ec2.amazonaws.com" }
        }
      },
      {
        # Karpenter creates one instance profile per EC2NodeClass for the node role.
        Sid      = "CreateInstanceProfile"
        Effect   = "Allow"
        Action   = "iam:CreateInstanceProfile"
        Resource = "arn:${local.partition}:iam::${local.account_id}:instance-profile/*"
        Condition = {
          StringEquals = {
            "aws:RequestTag/${local.owned_tag}"   = "owned"
            "aws:RequestTag/${local.cluster_tag}" = var.cluster_name
            "aws:RequestTag/${local.region_tag}"  = local.region
          }
          StringLike = { "aws:RequestTag/${local.nodeclass}" = "*" }
        }
      },
      {
        Sid      = "TagOwnInstanceProfiles"
        Effect   = "Allow"
        Action   = "iam:TagInstanceProfile"
        Resource = "arn:${local.partition}:iam::${local.account_id}:instance-profile/*"
        Condition = {
          StringEquals = {
            "aws:ResourceTag/${local.owned_tag}"  = "owned"
            "aws:ResourceTag/${local.region_tag}" = local.region
            "aws:RequestTag/${local.owned_tag}"   = "owned"
            "aws:RequestTag/${local.cluster_tag}" = var.cluster_name
            "aws:RequestTag/${local.region_tag}"  = local.region
          }
          StringLike = {
            "aws:ResourceTag/${local.nodeclass}" = "*"
            "aws:RequestTag/${local.nodeclass}"  = "*"
          }
        }
      },
      {
        Sid      = "ManageOwnInstanceProfiles"
        Effect   = "Allow"
        Action   = ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"]
        Resource = "arn:${local.partition}:iam::${local.account_id}:instance-profile/*"
        Condition = {
          StringEquals = {
            "aws:ResourceTag/${local.owned_tag}"  = "owned"
            "aws:ResourceTag/${local.region_tag}" = local.region
          }
          StringLike = { "aws:ResourceTag/${local.nodeclass}" = "*" }
        }
      },
      {
        Sid      = "ReadInstanceProfiles"
        Effect   = "Allow"
        Action   = "iam:GetInstanceProfile"
        Resource = "arn:${local.partition}:iam::${local.account_id}:instance-profile/*"
      },
      {
        # List, Describe and pricing calls take no resource ARNs.
        Sid    = "Discover"
        Effect = "Allow"
        Action = [
          "ec2:DescribeCapacityReservations",
          "ec2:DescribeImages",
          "ec2:DescribeInstances",
          "ec2:DescribeInstanceStatus",
          "ec2:DescribeInstanceTypeOfferings",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplates",
          "ec2:DescribePlacementGroups",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeSpotPriceHistory",
          "ec2:DescribeSubnets",
        ]
        Resource  = "*"
        Condition = { StringEquals = { "aws:RequestedRegion" = local.region } }
      },
      {
        Sid      = "ListInstanceProfiles"
        Effect   = "Allow"
        Action   = "iam:ListInstanceProfiles"
        Resource = "*"
      },
      {
        # On-demand prices for the cheapest-fit choice; the API lives in a few regions only.
        Sid      = "ReadPrices"
        Effect   = "Allow"
        Action   = "pricing:GetProducts"
        Resource = "*"
      },
      {
        # The EKS-optimized AMI ids are public SSM parameters.
        Sid      = "ResolveAmiAliases"
        Effect   = "Allow"
        Action   = "ssm:GetParameter"
        Resource = "arn:${local.partition}:ssm:${local.region}::parameter/aws/service/*"
      },
      {
        Sid      = "DiscoverApiEndpoint"
        Effect   = "Allow"
        Action   = "eks:DescribeCluster"
        Resource = var.cluster_arn
      },
      {
        Sid      = "ReadInterruptions"
        Effect   = "Allow"
        Action   = ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]
        Resource = aws_sqs_queue.interruption.arn
      },
    ]
  })
}

################################################################################
# Interruption queue and the EventBridge rules that feed it
################################################################################

resource "aws_sqs_queue" "interruption" {
  name                      = "${var.cluster_name}-karpenter"
  message_retention_seconds = var.queue_message_retention_seconds
  sqs_managed_sse_enabled   = true

  tags = var.tags
}

resource "aws_sqs_queue_policy" "interruption" {
  queue_url = aws_sqs_queue.interruption.url

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "EventBridgeSends"
        Effect    = "Allow"
        Principal = { Service = ["events.amazonaws.com", "sqs.amazonaws.com"] }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.interruption.arn
      },
      {
        Sid       = "DenyHTTP"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = aws_sqs_queue.interruption.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

resource "aws_cloudwatch_event_rule" "interruption" {
  for_each = local.interruption_events

  name        = "${var.cluster_name}-karpenter-${each.key}"
  description = "${each.value.detail_type} events for Karpenter in ${var.cluster_name}"
  event_pattern = jsonencode({
    source        = [each.value.source]
    "detail-type" = [each.value.detail_type]
  })

  tags = var.tags
}

resource "aws_cloudwatch_event_target" "interruption" {
  for_each = local.interruption_events

  rule      = aws_cloudwatch_event_rule.interruption[each.key].name
  target_id = "karpenter-interruption-queue"
  arn       = aws_sqs_queue.interruption.arn
}

################################################################################
# Discovery tag on the node security group (EKS creates that group, so it is tagged here)
################################################################################

resource "aws_ec2_tag" "node_security_group" {
  for_each = local.discovery_tag

  resource_id = var.node_security_group_id
  key         = each.key
  value       = each.value
}
