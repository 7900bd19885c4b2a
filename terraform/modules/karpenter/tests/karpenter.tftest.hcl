# Plans the Karpenter resources against a mocked AWS provider: the controller's reach, the
# node role, the interruption queue and its rules, the discovery tag.

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/devops-eks-cluster-karpenter-node" }
  }

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:eu-west-1:123456789012:devops-eks-cluster-karpenter"
      url = "https://sqs.eu-west-1.amazonaws.com/123456789012/devops-eks-cluster-karpenter"
    }
  }
}

variables {
  cluster_name           = "devops-eks-cluster"
  cluster_arn            = "arn:aws:eks:eu-west-1:123456789012:cluster/devops-eks-cluster"
  node_security_group_id = "sg-0123456789abcdef0"
}

run "controller_writes_only_what_the_cluster_owns" {
  command = plan

  # Every statement that launches, tags or deletes EC2 resources demands the cluster's
  # ownership tag and a NodePool tag, on the request or on the resource.
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.controller.policy).Statement :
      s.Condition.StringEquals[contains(keys(s.Condition.StringEquals), "aws:ResourceTag/kubernetes.io/cluster/devops-eks-cluster") ? "aws:ResourceTag/kubernetes.io/cluster/devops-eks-cluster" : "aws:RequestTag/kubernetes.io/cluster/devops-eks-cluster"] == "owned"
      && anytrue([for k, v in s.Condition.StringLike : v == "*" && endswith(k, "/karpenter.sh/nodepool")])
      if s.Sid != "LaunchFromDiscoveredResources" && length(setintersection(toset(flatten([s.Action])), toset(["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate", "ec2:CreateTags", "ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"]))) > 0
    ])
    error_message = "Every EC2 write must be conditioned on kubernetes.io/cluster/<cluster>=owned and a karpenter.sh/nodepool tag."
  }

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.controller.policy).Statement : s.Sid => s.Condition.StringEquals["aws:RequestTag/eks:eks-cluster-name"]
      if contains(["CreateTaggedForCluster", "TagOnCreate", "CreateInstanceProfile"], s.Sid)
      } == {
      CreateTaggedForCluster = "devops-eks-cluster"
      TagOnCreate            = "devops-eks-cluster"
      CreateInstanceProfile  = "devops-eks-cluster"
    }
    error_message = "New instances, launch templates and instance profiles must be tagged with the cluster's name."
  }

  # Only TerminateInstances and DeleteLaunchTemplate delete, in one tag-conditioned statement.
  assert {
    condition = [
      for s in jsondecode(aws_iam_role_policy.controller.policy).Statement : s.Sid
      if length(setintersection(toset(flatten([s.Action])), toset(["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"]))) > 0
    ] == ["DeleteOwnInstances"]
    error_message = "Deletion must be granted in DeleteOwnInstances only."
  }

  # "*" only for calls that read: Describe, List, pricing.
  assert {
    condition = alltrue(flatten([
      for s in jsondecode(aws_iam_role_policy.controller.policy).Statement : [
        for a in flatten([s.Action]) : can(regex("^(ec2:Describe|iam:List|pricing:Get)", a))
      ] if contains(flatten([s.Resource]), "*")
    ]))
    error_message = "Only Describe, List and pricing reads may have Resource \"*\"."
  }

  # Every other ARN is in this partition, and (for regional services) this region and account.
  assert {
    condition = alltrue(flatten([
      for s in jsondecode(aws_iam_role_policy.controller.policy).Statement : [
        for r in flatten([s.Resource]) :
        r == "*" || can(regex("^arn:aws:(ec2:eu-west-1:(123456789012)?|iam::123456789012|ssm:eu-west-1:|eks:eu-west-1:123456789012|sqs:eu-west-1:123456789012):", r))
      ]
    ]))
    error_message = "Every resource ARN must be held to the cluster's region and account."
  }

  assert {
    condition     = !anytrue([for s in jsondecode(aws_iam_role_policy.controller.policy).Statement : anytrue([for a in flatten([s.Action]) : endswith(a, "*")])])
    error_message = "No action wildcards (ec2:*, iam:*...) in the controller policy."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.controller.policy).Statement :
      s.Resource == "arn:aws:iam::123456789012:role/devops-eks-cluster-karpenter-node" && s.Condition.StringEquals["iam:PassedToService"] == "ec2.amazonaws.com"
      if contains(flatten([s.Action]), "iam:PassRole")
    ])
    error_message = "The controller may pass only the node role, and only to EC2."
  }

  assert {
    condition = [
      for s in jsondecode(aws_iam_role_policy.controller.policy).Statement : s.Resource
      if anytrue([for a in flatten([s.Action]) : startswith(a, "sqs:") || startswith(a, "eks:")])
    ] == ["arn:aws:eks:eu-west-1:123456789012:cluster/devops-eks-cluster", "arn:aws:sqs:eu-west-1:123456789012:devops-eks-cluster-karpenter"]
    error_message = "EKS and SQS access must be limited to this cluster and its interruption queue."
  }
}

run "controller_identity_is_one_service_account" {
  command = plan

  assert {
    condition = jsondecode(aws_iam_role.controller.assume_role_policy).Statement[0].Principal.Service == "pods.eks.amazonaws.com" && jsondecode(aws_iam_role.controller.assume_role_policy).Statement[0].Condition.StringEquals == {
      "aws:RequestTag/eks-cluster-arn"            = "arn:aws:eks:eu-west-1:123456789012:cluster/devops-eks-cluster"
      "aws:RequestTag/kubernetes-namespace"       = "kube-system"
      "aws:RequestTag/kubernetes-service-account" = "karpenter"
    }
    error_message = "Only kube-system/karpenter of this cluster may assume the controller role through Pod Identity."
  }

  assert {
    condition     = aws_eks_pod_identity_association.controller.namespace == "kube-system" && aws_eks_pod_identity_association.controller.service_account == "karpenter" && aws_eks_pod_identity_association.controller.cluster_name == "devops-eks-cluster"
    error_message = "The Pod Identity association must bind kube-system/karpenter."
  }
}

run "node_role_like_the_system_nodes" {
  command = plan

  assert {
    condition     = toset([for a in aws_iam_role_policy_attachment.node : a.policy_arn]) == toset(["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly"])
    error_message = "Karpenter's nodes get exactly the worker-node and ECR pull-only policies (no CNI, no SSM)."
  }

  assert {
    condition     = jsondecode(aws_iam_role.node.assume_role_policy).Statement[0].Principal.Service == "ec2.amazonaws.com"
    error_message = "Only EC2 instances may assume the node role."
  }

  assert {
    condition     = aws_eks_access_entry.node.type == "EC2_LINUX" && aws_eks_access_entry.node.cluster_name == "devops-eks-cluster"
    error_message = "The node role needs an EC2_LINUX access entry so that its nodes can join."
  }
}

run "interruption_queue_encrypted_and_fed" {
  command = plan

  assert {
    condition     = aws_sqs_queue.interruption.sqs_managed_sse_enabled && aws_sqs_queue.interruption.message_retention_seconds == 300
    error_message = "The interruption queue must be encrypted (SSE-SQS) and keep messages 5 minutes."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_sqs_queue_policy.interruption.policy).Statement :
      s.Effect == "Deny" && s.Principal == "*" && s.Action == "sqs:*" && try(s.Condition.Bool["aws:SecureTransport"], "") == "false"
    ])
    error_message = "The queue policy must deny every call without TLS."
  }

  assert {
    condition = [
      for s in jsondecode(aws_sqs_queue_policy.interruption.policy).Statement : s.Action if s.Effect == "Allow"
    ] == ["sqs:SendMessage"]
    error_message = "The queue policy may only allow EventBridge to send."
  }

  assert {
    condition = length(setsubtract(toset([
      "EC2 Spot Instance Interruption Warning",
      "EC2 Instance Rebalance Recommendation",
      "EC2 Instance State-change Notification",
      "AWS Health Event",
    ]), toset(flatten([for r in aws_cloudwatch_event_rule.interruption : jsondecode(r.event_pattern)["detail-type"]])))) == 0
    error_message = "Spot interruption, rebalance, instance state change and scheduled change (AWS Health) must each have a rule."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.interruption["scheduled-change"].event_pattern).source == ["aws.health"] && jsondecode(aws_cloudwatch_event_rule.interruption["spot-interruption"].event_pattern).source == ["aws.ec2"]
    error_message = "Scheduled changes come from aws.health, the others from aws.ec2."
  }

  assert {
    condition     = alltrue([for t in aws_cloudwatch_event_target.interruption : t.arn == "arn:aws:sqs:eu-west-1:123456789012:devops-eks-cluster-karpenter"]) && keys(aws_cloudwatch_event_target.interruption) == keys(aws_cloudwatch_event_rule.interruption)
    error_message = "Every rule must target the interruption queue."
  }
}

run "discovery_tag_on_node_security_group" {
  command = plan

  assert {
    condition     = aws_ec2_tag.node_security_group["karpenter.sh/discovery"].resource_id == "sg-0123456789abcdef0" && aws_ec2_tag.node_security_group["karpenter.sh/discovery"].value == "devops-eks-cluster"
    error_message = "The node security group must carry karpenter.sh/discovery=<cluster>."
  }

  assert {
    condition     = output.discovery_tag == { "karpenter.sh/discovery" = "devops-eks-cluster" }
    error_message = "The discovery tag output is what the network module puts on the private subnets."
  }
}

run "another_cluster_gets_its_own_scope" {
  command = plan

  variables {
    cluster_name = "staging"
    cluster_arn  = "arn:aws:eks:us-east-2:210987654321:cluster/staging"
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.controller.policy).Statement :
      !strcontains(jsonencode(s), "devops-eks-cluster") && !strcontains(jsonencode(s), "123456789012") && !strcontains(jsonencode(s), "eu-west-1")
      # These two name the node role and the queue, whose ARNs come from the mock.
      if !contains(["PassNodeRole", "ReadInterruptions"], s.Sid)
    ])
    error_message = "The policy must be derived from the cluster's name, account and region, not fixed."
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.controller.policy).Statement : s.Condition.StringEquals["aws:ResourceTag/kubernetes.io/cluster/staging"] if s.Sid == "DeleteOwnInstances"]) == "owned"
    error_message = "Deletion must be held to the staging cluster's ownership tag."
  }
}

run "rejects_a_cluster_name_with_a_trailing_hyphen" {
  command = plan

  variables {
    cluster_name = "devops-eks-"
  }

  expect_failures = [var.cluster_name]
}

run "rejects_a_cluster_arn_that_is_not_one" {
  command = plan

  variables {
    cluster_arn = "devops-eks-cluster"
  }

  expect_failures = [var.cluster_arn]
}

run "rejects_a_security_group_name" {
  command = plan

  variables {
    node_security_group_id = "devops-eks-cluster-node"
  }

  expect_failures = [var.node_security_group_id]
}

run "rejects_a_service_account_with_capitals" {
  command = plan

  variables {
    service_account = { namespace = "kube-system", name = "Karpenter" }
  }

  expect_failures = [var.service_account]
}

run "rejects_a_retention_sqs_refuses" {
  command = plan

  variables {
    queue_message_retention_seconds = 30
  }

  expect_failures = [var.queue_message_retention_seconds]
}

run "roles_carry_the_permissions_boundary" {
  command = plan

  variables {
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/devops-eks-cluster-permissions-boundary"
  }

  assert {
    condition     = aws_iam_role.node.permissions_boundary == var.permissions_boundary_arn && aws_iam_role.controller.permissions_boundary == var.permissions_boundary_arn
    error_message = "Both Karpenter roles must carry the permissions boundary: the CI apply role cannot create them otherwise."
  }
}

run "rejects_a_boundary_that_is_not_a_policy" {
  command = plan

  variables {
    permissions_boundary_arn = "devops-eks-cluster-permissions-boundary"
  }

  expect_failures = [var.permissions_boundary_arn]
}
