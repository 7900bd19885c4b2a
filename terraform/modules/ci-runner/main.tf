data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  project_arn = "arn:${local.partition}:codebuild:${local.region}:${local.account_id}:project/${var.name}"

  # The project's own source credential: it does not replace the account's default GitHub
  # credential, which other projects may use.
  source_auth = var.codeconnections_arn != null ? {
    type     = "CODECONNECTIONS"
    resource = var.codeconnections_arn
    } : {
    type     = "SECRETS_MANAGER"
    resource = var.github_token_secret_arn
  }

  # Statement that lets the project read its source credential, and nothing else of it.
  source_credential_statement = var.codeconnections_arn != null ? {
    Sid      = "UseTheGitHubConnection"
    Effect   = "Allow"
    Action   = ["codeconnections:GetConnectionToken", "codeconnections:GetConnection", "codeconnections:UseConnection", "codestar-connections:GetConnectionToken", "codestar-connections:GetConnection", "codestar-connections:UseConnection"]
    Resource = [var.codeconnections_arn]
    } : {
    Sid      = "ReadTheGitHubToken"
    Effect   = "Allow"
    Action   = ["secretsmanager:GetSecretValue"]
    Resource = [var.github_token_secret_arn]
  }

  subnet_arns = [for id in var.subnet_ids : "arn:${local.partition}:ec2:${local.region}:${local.account_id}:subnet/${id}"]
}

################################################################################
# Logs
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is a variable (30 days by default); a year of runner logs is a cost decision for the operator.
  name              = "/aws/codebuild/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = var.tags
}

################################################################################
# Network: no inbound rule; out on HTTPS only
################################################################################

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-"
  description = "CodeBuild-hosted GitHub Actions runner of ${var.name}: no inbound, HTTPS out"
  vpc_id      = var.vpc_id
  # Managed as empty: an inbound rule added by hand is removed on the next apply.
  ingress = []

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to GitHub, chart repositories, AWS APIs and the cluster API"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"

  tags = var.tags
}

################################################################################
# Service role: logs, the job's network interface and the source credential. No AWS rights
# beyond these: jobs get the deploy role through GitHub OIDC, behind the environment's approval.
################################################################################

resource "aws_iam_role" "this" {
  name        = "${var.name}-codebuild"
  description = "Service role of the CodeBuild-hosted GitHub Actions runner ${var.name}"

  permissions_boundary = var.permissions_boundary_arn

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "codebuild.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = local.project_arn }
      }
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  name = "runner"
  role = aws_iam_role.this.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "WriteJobLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
      },
      {
        # CodeBuild's documented VPC permissions; these EC2 calls support no resource scoping.
        Sid      = "ManageTheJobNetworkInterface"
        Effect   = "Allow"
        Action   = ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"]
        Resource = ["*"]
      },
      {
        Sid      = "AttachTheInterfaceInTheRunnerSubnets"
        Effect   = "Allow"
        Action   = ["ec2:CreateNetworkInterfacePermission"]
        Resource = ["arn:${local.partition}:ec2:${local.region}:${local.account_id}:network-interface/*"]
        Condition = {
          StringEquals = { "ec2:AuthorizedService" = "codebuild.amazonaws.com" }
          ArnEquals    = { "ec2:Subnet" = local.subnet_arns }
        }
      },
      local.source_credential_statement,
    ]
  })
}

################################################################################
# Project and webhook
################################################################################

resource "aws_codebuild_project" "this" {
  name          = var.name
  description   = "Ephemeral GitHub Actions runner for ${var.github_repository}, inside the cluster's VPC"
  service_role  = aws_iam_role.this.arn
  build_timeout = var.job_timeout_minutes

  artifacts {
    type = "NO_ARTIFACTS"
  }

  environment {
    type                        = "LINUX_CONTAINER"
    compute_type                = var.compute_type
    image                       = var.image
    image_pull_credentials_type = "CODEBUILD"
    # The deploy job runs helm and kubectl, never docker: no privileged mode.
    privileged_mode = false
  }

  source {
    type            = "GITHUB"
    location        = "https://github.com/${var.github_repository}.git"
    git_clone_depth = 1

    auth {
      type     = local.source_auth.type
      resource = local.source_auth.resource
    }
  }

  vpc_config {
    vpc_id             = var.vpc_id
    subnets            = var.subnet_ids
    security_group_ids = [aws_security_group.this.id]
  }

  logs_config {
    cloudwatch_logs {
      status     = "ENABLED"
      group_name = aws_cloudwatch_log_group.this.name
    }

    s3_logs {
      status = "DISABLED"
    }
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this]
}

# A build starts for each queued workflow job whose labels name this project; the container
# registers as an ephemeral runner, takes that one job and is gone.
resource "aws_codebuild_webhook" "this" {
  project_name = aws_codebuild_project.this.name
  build_type   = "BUILD"

  filter_group {
    filter {
      type    = "EVENT"
      pattern = "WORKFLOW_JOB_QUEUED"
    }

    filter {
      type    = "WORKFLOW_NAME"
      pattern = var.workflow_name_pattern
    }
  }
}
