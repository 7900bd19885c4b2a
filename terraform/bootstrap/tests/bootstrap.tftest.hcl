# Plans the bootstrap against a mocked AWS provider and checks every protection of the
# state bucket and the trust of each CI role.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
      key_id = "11111111-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      id  = "example-tf-state"
      arn = "arn:aws:s3:::example-tf-state"
    }
  }

  mock_resource "aws_iam_openid_connect_provider" {
    defaults = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
  }
}

variables {
  state_bucket_name = "example-tf-state"
  github_repository = "example-org/devops-eks"
}

run "state_bucket_is_protected" {
  command = plan

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.state.block_public_acls,
      aws_s3_bucket_public_access_block.state.block_public_policy,
      aws_s3_bucket_public_access_block.state.ignore_public_acls,
      aws_s3_bucket_public_access_block.state.restrict_public_buckets,
    ])
    error_message = "All four Block Public Access flags must be on."
  }

  assert {
    condition     = aws_s3_bucket_versioning.state.versioning_configuration[0].status == "Enabled"
    error_message = "State bucket versioning must be enabled."
  }

  assert {
    condition     = aws_s3_bucket_ownership_controls.state.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "Object ownership must be BucketOwnerEnforced (ACLs off)."
  }

  assert {
    condition = one([
      for rule in aws_s3_bucket_server_side_encryption_configuration.state.rule : rule.apply_server_side_encryption_by_default[0]
      if rule.apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms"
    ]).kms_master_key_id == aws_kms_key.state.arn
    error_message = "Default encryption must be SSE-KMS with the state key."
  }

  assert {
    condition     = aws_kms_key.state.enable_key_rotation
    error_message = "The state KMS key must rotate."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_s3_bucket_policy.state.policy).Statement :
      s.Effect == "Deny" && s.Principal == "*" && s.Condition.Bool["aws:SecureTransport"] == "false"
      && contains(s.Resource, "arn:aws:s3:::example-tf-state") && contains(s.Resource, "arn:aws:s3:::example-tf-state/*")
    ])
    error_message = "The bucket policy must deny every request not made over TLS."
  }

  assert {
    condition = one([
      for rule in aws_s3_bucket_lifecycle_configuration.state.rule : rule.noncurrent_version_expiration[0].noncurrent_days
      if rule.status == "Enabled"
    ]) == 90
    error_message = "Noncurrent state versions must expire after noncurrent_version_expiration_days (90 by default)."
  }
}

run "ci_roles_trust_only_this_repository" {
  command = plan

  assert {
    condition     = aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com" && aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    error_message = "The OIDC provider must be GitHub's, with audience sts.amazonaws.com."
  }

  assert {
    condition = {
      for purpose, role in aws_iam_role.ci : purpose => jsondecode(role.assume_role_policy).Statement[0].Condition.StringEquals
      } == {
      plan = {
        "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
        "token.actions.githubusercontent.com:sub" = ["repo:example-org/devops-eks:pull_request", "repo:example-org/devops-eks:ref:refs/heads/main"]
      }
      apply = {
        "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
        "token.actions.githubusercontent.com:sub" = ["repo:example-org/devops-eks:environment:production"]
      }
      deploy = {
        "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
        "token.actions.githubusercontent.com:sub" = ["repo:example-org/devops-eks:environment:production"]
      }
      ecr_push = {
        "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
        "token.actions.githubusercontent.com:sub" = ["repo:example-org/devops-eks:ref:refs/heads/main"]
      }
    }
    error_message = "Each CI role must trust exact sub claims of this repository only (plan: pull requests and main; apply and deploy: the production environment; ECR push: main), with audience sts.amazonaws.com."
  }

  assert {
    condition = alltrue([
      for role in aws_iam_role.ci : length(jsondecode(role.assume_role_policy).Statement) == 1
      && jsondecode(role.assume_role_policy).Statement[0].Action == "sts:AssumeRoleWithWebIdentity"
      && jsondecode(role.assume_role_policy).Statement[0].Principal.Federated == "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
      && keys(jsondecode(role.assume_role_policy).Statement[0].Condition) == ["StringEquals"]
    ])
    error_message = "Trust policies must have one statement: web identity from the GitHub provider, exact-match conditions only."
  }
}

run "ci_role_permissions" {
  command = plan

  assert {
    condition     = aws_iam_role_policy_attachment.plan_read_only.policy_arn == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    error_message = "The plan role must be read-only."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_iam_role_policy.plan.policy).Statement :
      s.Effect == "Allow" && lookup(s, "Resource", null) == "arn:aws:s3:::example-tf-state/live/terraform.tfstate.tflock" && toset(flatten([s.Action])) == toset(["s3:PutObject", "s3:DeleteObject"])
    ])
    error_message = "The plan role may write the lock file and nothing else in the bucket."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.plan.policy).Statement :
      s.Effect == "Deny" || !contains(flatten([s.Action]), "s3:PutObject") || lookup(s, "Resource", null) == "arn:aws:s3:::example-tf-state/live/terraform.tfstate.tflock"
    ])
    error_message = "The plan role must not write the state itself."
  }

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.deploy.policy).Statement : s.Sid => s.Resource
      } == {
      LogInToEcr          = "*"
      PushToTheRepository = "arn:aws:ecr:eu-west-1:123456789012:repository/webapp"
      ReadPlatformOutputs = ["arn:aws:ssm:eu-west-1:123456789012:parameter/devops-eks-cluster/platform", "arn:aws:ssm:eu-west-1:123456789012:parameter/devops-eks-cluster/platform/*"]
      FindTheCluster      = "arn:aws:eks:eu-west-1:123456789012:cluster/devops-eks-cluster"
    }
    error_message = "The deploy role may push to the one repository, read the published outputs and describe the one cluster only."
  }

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.ecr_push.policy).Statement : s.Sid => s.Resource
      } == {
      LogInToEcr          = "*"
      PushToTheRepository = "arn:aws:ecr:eu-west-1:123456789012:repository/webapp"
      ReadPlatformOutputs = ["arn:aws:ssm:eu-west-1:123456789012:parameter/devops-eks-cluster/platform", "arn:aws:ssm:eu-west-1:123456789012:parameter/devops-eks-cluster/platform/*"]
    }
    error_message = "The ECR push role may push to the one repository and read the published outputs only."
  }

  assert {
    condition = [
      for s in jsondecode(aws_iam_role_policy.deploy.policy).Statement : s.Action if s.Sid == "ReadPlatformOutputs"
    ] == [["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]]
    error_message = "The deploy and ECR push roles may only read the published outputs, never write them."
  }

  assert {
    condition = [
      for s in jsondecode(aws_iam_role_policy.apply.policy).Statement : s.Resource if s.Sid == "PublishPlatformOutputs"
    ] == [["arn:aws:ssm:eu-west-1:123456789012:parameter/devops-eks-cluster/platform", "arn:aws:ssm:eu-west-1:123456789012:parameter/devops-eks-cluster/platform/*"]]
    error_message = "The apply role may write parameters under parameter_prefix only."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.apply.policy).Statement :
      !anytrue([for a in flatten([s.Action]) : startswith(a, "ssm:") && a != "ssm:DescribeParameters"]) || s.Sid == "PublishPlatformOutputs"
    ])
    error_message = "No other apply statement may touch SSM parameters."
  }

  assert {
    # ReadOnlyAccess reads any parameter; the deny keeps the plan role to the published ones.
    condition = [
      for s in jsondecode(aws_iam_role_policy.plan.policy).Statement : s.NotResource if s.Sid == "DenyDataReads"
      ] == [[
        "arn:aws:s3:::example-tf-state/live/terraform.tfstate",
        "arn:aws:s3:::example-tf-state/live/terraform.tfstate.tflock",
        "arn:aws:ssm:eu-west-1:123456789012:parameter/devops-eks-cluster/platform",
        "arn:aws:ssm:eu-west-1:123456789012:parameter/devops-eks-cluster/platform/*",
    ]]
    error_message = "The plan role may read the state and the published outputs, no other parameter or object."
  }

  assert {
    condition     = alltrue([for role in aws_iam_role.ci : role.tags == tomap({ PlatformRegion = "eu-west-1", PlatformEcrRepository = "webapp", PlatformParameterPrefix = "/devops-eks-cluster/platform" })])
    error_message = "Every CI role must carry the shared settings it was applied with: terraform/live checks them."
  }
}

# The shared settings file sets the region for everything: a second region moves every regional
# ARN in every policy, the tags terraform/live checks and the backend settings with it.
run "second_region_moves_every_arn" {
  command = plan

  variables {
    aws_region = "us-east-1"
  }

  assert {
    condition = alltrue(flatten([
      for policy in [aws_iam_role_policy.plan.policy, aws_iam_role_policy.apply.policy, aws_iam_role_policy.deploy.policy, aws_iam_role_policy.ecr_push.policy] : [
        for s in jsondecode(policy).Statement : [
          for arn in flatten([lookup(s, "Resource", []), lookup(s, "NotResource", [])]) :
          !can(regex("^arn:aws:(ecr|eks|ssm):", arn)) || can(regex("^arn:aws:(ecr|eks|ssm):us-east-1:", arn))
        ]
      ]
    ]))
    error_message = "Every ECR, EKS and SSM ARN of the CI roles must be in the settings' region."
  }

  assert {
    condition     = alltrue([for role in aws_iam_role.ci : role.tags.PlatformRegion == "us-east-1"])
    error_message = "The CI roles must be tagged with the settings' region."
  }

  assert {
    condition     = strcontains(output.backend_config, "region       = \"us-east-1\"") && output.aws_region == "us-east-1"
    error_message = "The backend settings and the aws_region output must follow the settings' region."
  }
}

run "rejects_bad_parameter_prefix" {
  command = plan

  variables {
    parameter_prefix = "/aws/platform/"
  }

  expect_failures = [var.parameter_prefix]
}

run "saved_plan_store_reach" {
  command = plan

  assert {
    condition = jsondecode(aws_iam_role_policy.plan_store_write.policy).Statement == [{
      Sid      = "StoreSavedPlans"
      Effect   = "Allow"
      Action   = "s3:PutObject"
      Resource = "arn:aws:s3:::example-tf-state/plans/*"
    }]
    error_message = "The plan role may only add saved plans under plans/, never read or delete them."
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.plan_store_read.policy).Statement == [{
      Sid      = "TakeSavedPlans"
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:DeleteObject"]
      Resource = "arn:aws:s3:::example-tf-state/plans/*"
    }]
    error_message = "The apply role may only fetch and delete saved plans under plans/."
  }

  assert {
    condition     = aws_iam_role_policy.plan_store_write.role == aws_iam_role.ci["plan"].name && aws_iam_role_policy.plan_store_read.role == aws_iam_role.ci["apply"].name
    error_message = "The saved-plan permissions belong to the plan role (write) and the apply role (read)."
  }
}

run "apply_role_reach_for_the_private_cluster" {
  command = plan

  assert {
    condition = { for s in jsondecode(aws_iam_role_policy.apply_private_cluster.policy).Statement : s.Sid => s.Resource } == {
      ManageTheCiRunnerProject         = "arn:aws:codebuild:eu-west-1:123456789012:project/devops-eks-cluster-*"
      GiveTheRunnerTheGitHubConnection = ["arn:aws:codeconnections:eu-west-1:123456789012:connection/*", "arn:aws:codestar-connections:eu-west-1:123456789012:connection/*"]
      ManageTheBastionInstanceProfile  = "arn:aws:iam::123456789012:instance-profile/devops-eks-cluster-*"
      CreateThePullThroughCacheRole    = "arn:aws:iam::123456789012:role/aws-service-role/pullthroughcache.ecr.amazonaws.com/*"
    }
    error_message = "The apply role reaches only the cluster's CodeBuild projects and instance profiles, this account's GitHub connections and the ECR cache's service-linked role."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.apply_private_cluster.policy).Statement :
      s.Effect == "Allow" && alltrue([for a in flatten([s.Action]) : !endswith(a, "*")])
    ]) && aws_iam_role_policy.apply_private_cluster.role == aws_iam_role.ci["apply"].name
    error_message = "The private-cluster grants name their actions one by one, on the apply role only."
  }
}

run "apply_role_reach_for_the_interruption_queue" {
  command = plan

  assert {
    condition = [
      for s in jsondecode(aws_iam_role_policy.apply.policy).Statement : s.Resource
      if anytrue([for a in flatten([s.Action]) : startswith(a, "sqs:") || startswith(a, "events:")])
      ] == [[
        "arn:aws:sqs:eu-west-1:123456789012:devops-eks-cluster-*",
        "arn:aws:events:eu-west-1:123456789012:rule/devops-eks-cluster-*",
    ]]
    error_message = "The apply role may manage only the cluster's own queues and EventBridge rules (Karpenter's interruption queue)."
  }
}

run "outputs_for_the_workflows" {
  command = plan

  assert {
    condition     = output.state_bucket == "example-tf-state" && output.aws_region == "eu-west-1"
    error_message = "state_bucket and aws_region outputs are wrong."
  }

  assert {
    condition     = strcontains(output.backend_config, "bucket       = \"example-tf-state\"") && strcontains(output.backend_config, "key          = \"live/terraform.tfstate\"")
    error_message = "backend_config must name the bucket and the state key."
  }

  assert {
    condition     = output.ci_role_names == { plan = "devops-eks-cluster-ci-plan", apply = "devops-eks-cluster-ci-apply", deploy = "devops-eks-cluster-ci-deploy", ecr_push = "devops-eks-cluster-ci-ecr-push" }
    error_message = "ci_role_names must follow <cluster_name>-ci-<purpose>."
  }
}

run "existing_oidc_provider_is_reused" {
  command = plan

  variables {
    github_oidc_provider_arn   = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    github_oidc_subject_prefix = "repo:example-org/devops-eks"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0
    error_message = "No second OIDC provider may be created when one is given."
  }
}

run "rejects_bad_repository" {
  command = plan

  variables {
    github_repository = "example-org/devops-eks:*"
  }

  expect_failures = [var.github_repository]
}

run "rejects_bad_bucket_name" {
  command = plan

  variables {
    state_bucket_name = "Example_Bucket"
  }

  expect_failures = [var.state_bucket_name]
}

run "rejects_bad_region" {
  command = plan

  variables {
    aws_region = "europe"
  }

  expect_failures = [var.aws_region]
}

run "rejects_bad_state_key" {
  command = plan

  variables {
    state_key = "/live/state.json"
  }

  expect_failures = [var.state_key]
}

run "rejects_short_version_retention" {
  command = plan

  variables {
    noncurrent_version_expiration_days = 1
  }

  expect_failures = [var.noncurrent_version_expiration_days]
}

run "rejects_wildcard_subject_prefix" {
  command = plan

  variables {
    github_oidc_subject_prefix = "repo:example-org/*"
  }

  expect_failures = [var.github_oidc_subject_prefix]
}

run "rejects_foreign_oidc_provider" {
  command = plan

  variables {
    github_oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/example.com"
  }

  expect_failures = [var.github_oidc_provider_arn]
}

run "rejects_bad_environment" {
  command = plan

  variables {
    apply_environment  = "prod:*"
    deploy_environment = "prod uction"
  }

  expect_failures = [var.apply_environment, var.deploy_environment]
}

run "rejects_bad_main_branch" {
  command = plan

  variables {
    main_branch = "*"
  }

  expect_failures = [var.main_branch]
}

run "rejects_long_cluster_name" {
  command = plan

  variables {
    cluster_name = "a-cluster-name-that-is-far-too-long-for-iam-roles"
  }

  expect_failures = [var.cluster_name]
}

run "rejects_bad_repository_name" {
  command = plan

  variables {
    ecr_repository_name = "WebApp"
  }

  expect_failures = [var.ecr_repository_name]
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
