################################################################################
# What terraform/live's private-cluster pieces need beyond the platform services: the in-VPC
# CI runner (a CodeBuild project and its webhook, through a GitHub connection), the bastion's
# instance profile, and the ECR pull-through cache's service-linked role
################################################################################

locals {
  ci_runner_project_arns = "${local.arn_prefix}:codebuild:${var.aws_region}:${local.account_id}:project/${var.cluster_name}-*"
  github_connection_arns = [
    "${local.arn_prefix}:codeconnections:${var.aws_region}:${local.account_id}:connection/*",
    "${local.arn_prefix}:codestar-connections:${var.aws_region}:${local.account_id}:connection/*",
  ]
}

resource "aws_iam_role_policy" "apply_private_cluster" {
  name = "terraform-apply-private-cluster"
  role = aws_iam_role.ci["apply"].name

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ManageTheCiRunnerProject"
        Effect   = "Allow"
        Action   = ["codebuild:CreateProject", "codebuild:UpdateProject", "codebuild:DeleteProject", "codebuild:BatchGetProjects", "codebuild:CreateWebhook", "codebuild:UpdateWebhook", "codebuild:DeleteWebhook"]
        Resource = local.ci_runner_project_arns
      },
      {
        # The project names the connection as its source credential; CodeBuild creates the
        # repository's webhook through it.
        Sid      = "GiveTheRunnerTheGitHubConnection"
        Effect   = "Allow"
        Action   = ["codeconnections:PassConnection", "codeconnections:UseConnection", "codeconnections:GetConnection", "codestar-connections:PassConnection", "codestar-connections:UseConnection", "codestar-connections:GetConnection"]
        Resource = local.github_connection_arns
      },
      {
        Sid      = "ManageTheBastionInstanceProfile"
        Effect   = "Allow"
        Action   = ["iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:GetInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:TagInstanceProfile", "iam:UntagInstanceProfile"]
        Resource = "${local.arn_prefix}:iam::${local.account_id}:instance-profile/${var.cluster_name}-*"
      },
      {
        # ECR reads the cache's upstream credentials through this role.
        Sid      = "CreateThePullThroughCacheRole"
        Effect   = "Allow"
        Action   = "iam:CreateServiceLinkedRole"
        Resource = "${local.arn_prefix}:iam::${local.account_id}:role/aws-service-role/pullthroughcache.ecr.amazonaws.com/*"
        Condition = {
          StringEquals = { "iam:AWSServiceName" = "pullthroughcache.ecr.amazonaws.com" }
        }
      },
    ]
  })
}
