# Plans the CodeBuild-hosted runner against a mocked AWS provider: where its jobs run, what
# starts them, what they may reach, and every right of its service role.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/codebuild/devops-eks-cluster-ci" }
  }

  mock_resource "aws_security_group" {
    defaults = { id = "sg-0runner" }
  }
}

variables {
  name                = "devops-eks-cluster-ci"
  github_repository   = "my-org/devops-eks"
  codeconnections_arn = "arn:aws:codeconnections:eu-west-1:123456789012:connection/11111111-2222-3333-4444-555555555555"
  vpc_id              = "vpc-0123456789abcdef0"
  subnet_ids          = ["subnet-priv-a", "subnet-priv-b"]
  log_kms_key_arn     = "arn:aws:kms:eu-west-1:123456789012:key/99999999-2222-3333-4444-555555555555"
}

run "ephemeral_runner_in_the_private_subnets" {
  command = plan

  assert {
    condition     = aws_codebuild_project.this.vpc_config[0].subnets == toset(["subnet-priv-a", "subnet-priv-b"]) && aws_codebuild_project.this.vpc_config[0].security_group_ids == toset(["sg-0runner"]) && aws_codebuild_project.this.vpc_config[0].vpc_id == var.vpc_id
    error_message = "Jobs must start in the private subnets with the runner's own security group."
  }

  assert {
    condition     = aws_codebuild_project.this.source[0].type == "GITHUB" && aws_codebuild_project.this.source[0].location == "https://github.com/my-org/devops-eks.git" && aws_codebuild_project.this.environment[0].privileged_mode == false && aws_codebuild_project.this.artifacts[0].type == "NO_ARTIFACTS"
    error_message = "The project takes the repository's jobs, unprivileged, and keeps no artifacts."
  }

  assert {
    condition     = output.runs_on_label_prefix == "codebuild-devops-eks-cluster-ci" && output.project_name == "devops-eks-cluster-ci"
    error_message = "Jobs select the runner with runs-on: codebuild-<project>-<run id>-<run attempt>."
  }

  assert {
    condition     = aws_codebuild_project.this.logs_config[0].cloudwatch_logs[0].status == "ENABLED" && aws_codebuild_project.this.logs_config[0].cloudwatch_logs[0].group_name == "/aws/codebuild/devops-eks-cluster-ci" && aws_cloudwatch_log_group.this.kms_key_id == var.log_kms_key_arn && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "Job logs go to an encrypted log group with retention."
  }
}

run "webhook_starts_builds_for_queued_jobs_of_the_deploy_workflow_only" {
  command = plan

  assert {
    condition = [for g in aws_codebuild_webhook.this.filter_group : [for f in g.filter : "${f.type}=${f.pattern}"]] == [[
      "EVENT=WORKFLOW_JOB_QUEUED",
      "WORKFLOW_NAME=^app$",
    ]] && aws_codebuild_webhook.this.build_type == "BUILD"
    error_message = "One filter group: queued workflow jobs of the app workflow."
  }
}

run "source_credential_from_codeconnections" {
  command = plan

  assert {
    condition     = aws_codebuild_project.this.source[0].auth[0].type == "CODECONNECTIONS" && aws_codebuild_project.this.source[0].auth[0].resource == var.codeconnections_arn
    error_message = "The project's source credential is the given connection."
  }
}

run "source_credential_from_a_secrets_manager_token" {
  command = plan

  variables {
    codeconnections_arn     = null
    github_token_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:github-runner-token-AbCdEf"
  }

  assert {
    condition     = aws_codebuild_project.this.source[0].auth[0].type == "SECRETS_MANAGER" && aws_codebuild_project.this.source[0].auth[0].resource == var.github_token_secret_arn
    error_message = "The project's source credential is the given secret."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "ReadTheGitHubToken"] == [{
      Sid      = "ReadTheGitHubToken"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = [var.github_token_secret_arn]
    }]
    error_message = "The role may read that one secret."
  }
}

run "no_inbound_and_https_out_only" {
  command = plan

  assert {
    condition     = length(aws_security_group.this.ingress) == 0 && aws_vpc_security_group_egress_rule.https.ip_protocol == "tcp" && aws_vpc_security_group_egress_rule.https.from_port == 443 && aws_vpc_security_group_egress_rule.https.to_port == 443
    error_message = "The runner accepts nothing and sends HTTPS only."
  }
}

run "service_role_reach_is_exactly_logs_network_and_the_credential" {
  command = plan

  assert {
    condition = jsondecode(aws_iam_role.this.assume_role_policy).Statement == [{
      Effect    = "Allow"
      Principal = { Service = "codebuild.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = "123456789012" }
        ArnLike      = { "aws:SourceArn" = "arn:aws:codebuild:eu-west-1:123456789012:project/devops-eks-cluster-ci" }
      }
    }]
    error_message = "Only CodeBuild, for this project of this account, may assume the role."
  }

  assert {
    condition = { for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Sid => [s.Action, s.Resource] } == {
      WriteJobLogs                         = [["logs:CreateLogStream", "logs:PutLogEvents"], ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/codebuild/devops-eks-cluster-ci:*"]]
      ManageTheJobNetworkInterface         = [["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"], ["*"]]
      AttachTheInterfaceInTheRunnerSubnets = [["ec2:CreateNetworkInterfacePermission"], ["arn:aws:ec2:eu-west-1:123456789012:network-interface/*"]]
      UseTheGitHubConnection               = [["codeconnections:GetConnectionToken", "codeconnections:GetConnection", "codeconnections:UseConnection", "codestar-connections:GetConnectionToken", "codestar-connections:GetConnection", "codestar-connections:UseConnection"], [var.codeconnections_arn]]
    }
    error_message = "The service role may write its logs, manage its job's network interface and use its source credential, and nothing else (no EKS, ECR or IAM: jobs assume the deploy role through OIDC)."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Condition if s.Sid == "AttachTheInterfaceInTheRunnerSubnets"] == [{
      StringEquals = { "ec2:AuthorizedService" = "codebuild.amazonaws.com" }
      ArnEquals    = { "ec2:Subnet" = ["arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-priv-a", "arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-priv-b"] }
    }]
    error_message = "Network interfaces may be attached for CodeBuild, in the runner's subnets only."
  }
}

run "rejects_two_source_credentials" {
  command = plan

  variables {
    github_token_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:github-runner-token-AbCdEf"
  }

  expect_failures = [var.github_token_secret_arn]
}

run "rejects_no_source_credential" {
  command = plan

  variables {
    codeconnections_arn = null
  }

  expect_failures = [var.github_token_secret_arn]
}

run "rejects_bad_inputs" {
  command = plan

  variables {
    name                  = "ci_runner"
    github_repository     = "https://github.com/my-org/devops-eks"
    codeconnections_arn   = "arn:aws:iam::123456789012:role/x"
    workflow_name_pattern = "(app"
    subnet_ids            = []
    compute_type          = "BUILD_GENERAL1_2XLARGE"
    job_timeout_minutes   = 1
    log_retention_days    = 10
    log_kms_key_arn       = "alias/logs"
  }

  expect_failures = [var.name, var.github_repository, var.codeconnections_arn, var.workflow_name_pattern, var.subnet_ids, var.compute_type, var.job_timeout_minutes, var.log_retention_days, var.log_kms_key_arn]
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
