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

  mock_resource "aws_kms_alias" {
    defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:alias/example-tf-state" }
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
      for purpose, subject in {
        plan_pr       = "repo:example-org/devops-eks:pull_request"
        plan          = "repo:example-org/devops-eks:environment:infra-plan"
        apply         = "repo:example-org/devops-eks:environment:infra-apply"
        ecr_push      = "repo:example-org/devops-eks:environment:image-push"
        platform_sync = "repo:example-org/devops-eks:environment:platform-sync"
        deploy        = "repo:example-org/devops-eks:environment:production"
        } : purpose => {
        "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
        "token.actions.githubusercontent.com:sub" = subject
      }
    }
    error_message = "Each CI role must trust exactly one sub claim of this repository: pull requests for plan_pr, its own environment for every other job, with audience sts.amazonaws.com."
  }

  assert {
    # A subject string no two roles accept: no job can assume another job's role.
    condition = length(distinct(flatten([
      for role in aws_iam_role.ci : jsondecode(role.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]
      ]))) == length(flatten([
      for role in aws_iam_role.ci : jsondecode(role.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]
    ])) && length(aws_iam_role.ci) == 6
    error_message = "No two CI roles may accept a common subject."
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

run "immutable_id_subjects_replace_the_name_form" {
  command = plan

  variables {
    github_owner_id      = "1234567"
    github_repository_id = "987654321"
  }

  assert {
    condition = {
      for purpose, role in aws_iam_role.ci : purpose => jsondecode(role.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]
      } == {
      plan_pr       = "repo:example-org-1234567/devops-eks-987654321:pull_request"
      plan          = "repo:example-org-1234567/devops-eks-987654321:environment:infra-plan"
      apply         = "repo:example-org-1234567/devops-eks-987654321:environment:infra-apply"
      ecr_push      = "repo:example-org-1234567/devops-eks-987654321:environment:image-push"
      platform_sync = "repo:example-org-1234567/devops-eks-987654321:environment:platform-sync"
      deploy        = "repo:example-org-1234567/devops-eks-987654321:environment:production"
    }
    error_message = "With the owner and repository ids, trust must hold only the immutable subject form repo:OWNER-OWNERID/REPO-REPOID."
  }

  assert {
    condition     = output.github_oidc_subjects["apply"] == "repo:example-org-1234567/devops-eks-987654321:environment:infra-apply"
    error_message = "github_oidc_subjects must show the subject each role trusts."
  }
}

run "plan_roles_read_metadata_only" {
  command = plan

  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.plan_pr.policy).Statement : s if s.Effect == "Allow" && anytrue([for a in flatten([lookup(s, "Action", [])]) : can(regex("^s3:(Put|Delete)", a))])]) == 0
    error_message = "The pull-request plan role may not write or delete anything in the state bucket, the lock included."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_iam_role_policy.plan_pr.policy).Statement :
      s.Effect == "Deny" && lookup(s, "Resource", null) == "arn:aws:s3:::example-tf-state/*" && toset(flatten([lookup(s, "Action", [])])) == toset(["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"])
    ])
    error_message = "The pull-request plan role must be denied every object write and delete in the state bucket."
  }

  assert {
    # Data reads: object bodies other than the state, log events, image layers, secrets, items,
    # parameters other than the published outputs (the plan refreshes those).
    condition = alltrue(flatten([
      for policy in [aws_iam_role_policy.plan_pr.policy, aws_iam_role_policy.plan.policy] : [
        for s in jsondecode(policy).Statement : [
          for a in flatten([lookup(s, "Action", [])]) :
          s.Effect == "Deny" || s.Sid == "ReadPlatformOutputs" || !can(regex("^(logs:(Get|Filter|StartQuery)|ecr:(GetDownloadUrlForLayer|BatchGetImage)|secretsmanager:|ssm:Get|dynamodb:|s3:GetObjectVersion|.*:\\*$|.*:Get\\*$)", a))
        ]
      ]
    ]))
    error_message = "The plan roles may not read data: log events, image layers, secret values, items, object versions, parameters other than the published outputs."
  }

  assert {
    condition = alltrue(flatten([
      for policy in [aws_iam_role_policy.plan_pr.policy, aws_iam_role_policy.plan.policy] : [
        for s in jsondecode(policy).Statement : lookup(s, "Resource", null) == "arn:aws:s3:::example-tf-state/live/terraform.tfstate"
        if s.Effect == "Allow" && contains(flatten([lookup(s, "Action", [])]), "s3:GetObject") && s.Sid == "ReadState"
      ]
    ]))
    error_message = "The only object body a plan role reads is the state."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_iam_role_policy.plan.policy).Statement :
      s.Effect == "Allow" && lookup(s, "Resource", null) == "arn:aws:s3:::example-tf-state/live/terraform.tfstate.tflock" && toset(flatten([lookup(s, "Action", [])])) == toset(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
      ]) && anytrue([
      for s in jsondecode(aws_iam_role_policy.plan.policy).Statement :
      s.Effect == "Deny" && lookup(s, "NotResource", null) == ["arn:aws:s3:::example-tf-state/live/terraform.tfstate.tflock", "arn:aws:s3:::example-tf-state/plans/*"]
    ])
    error_message = "The main-branch plan role holds the lock, adds saved plans and writes nothing else."
  }
}

run "apply_role_cannot_escalate_or_destroy_the_state" {
  command = plan

  assert {
    condition = anytrue([
      for s in jsondecode(aws_iam_role_policy.apply.policy).Statement :
      s.Effect == "Deny" && toset(lookup(s, "NotAction", [])) == toset(["iam:Get*", "iam:List*"])
      # Exact and flat: a nested list is a policy AWS refuses as malformed.
      && jsonencode(lookup(s, "Resource", [])) == jsonencode([
        "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-apply",
        "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-deploy",
        "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-ecr-push",
        "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-plan",
        "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-plan-pr",
        "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-platform-sync",
        "arn:aws:iam::123456789012:policy/devops-eks-cluster-permissions-boundary",
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
      ])
    ])
    error_message = "The apply role must be denied every IAM write on the CI roles, the boundary and the OIDC provider."
  }

  assert {
    # Every IAM write the apply role is allowed is either boundary-conditioned, a maintenance
    # call on platform roles, PassRole to the platform's services, or a service-linked role.
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.apply.policy).Statement :
      lookup(lookup(lookup(s, "Condition", {}), "StringEquals", {}), "iam:PermissionsBoundary", null) == "arn:aws:iam::123456789012:policy/devops-eks-cluster-permissions-boundary"
      if s.Effect == "Allow" && length(setintersection(toset(flatten([lookup(s, "Action", [])])), toset(["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:DeleteRolePolicy", "iam:DetachRolePolicy"]))) > 0
    ])
    error_message = "Creating roles and changing their policies must require the permissions boundary (iam:PermissionsBoundary)."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.apply.policy).Statement : lookup(s, "Condition", null).ArnEquals["iam:PolicyARN"]
      if s.Effect == "Allow" && contains(flatten([lookup(s, "Action", [])]), "iam:AttachRolePolicy")
      ]) == [
      "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
      "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
      "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    ]
    error_message = "Managed policy attachments must be limited to the platform's exact policy ARNs (iam:PolicyARN)."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.apply.policy).Statement : !contains(flatten([lookup(s, "Action", [])]), "iam:*") && !contains(flatten([lookup(s, "Action", [])]), "*")
    ])
    error_message = "The apply role has no iam:* and no * action."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_iam_role_policy.apply.policy).Statement :
      s.Effect == "Deny" && lookup(s, "Action", null) == "iam:DeleteRolePermissionsBoundary" && lookup(s, "Resource", null) == "*"
    ])
    error_message = "The apply role must not be able to remove a boundary."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_iam_role_policy.apply.policy).Statement :
      s.Effect == "Deny" && contains(flatten([lookup(s, "Resource", [])]), "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555")
      && length(setsubtract(toset(["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:DisableKeyRotation"]), toset(flatten([lookup(s, "Action", [])])))) == 0
    ])
    error_message = "The apply role must be denied changing the state key's policy, deleting, disabling or un-rotating it."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_iam_role_policy.apply.policy).Statement :
      s.Effect == "Deny" && lookup(s, "Resource", null) == "arn:aws:s3:::example-tf-state"
      && length(setsubtract(toset(["s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketVersioning", "s3:PutBucketPublicAccessBlock"]), toset(flatten([lookup(s, "Action", [])])))) == 0
      ]) && anytrue([
      for s in jsondecode(aws_iam_role_policy.apply.policy).Statement :
      s.Effect == "Deny" && lookup(s, "Resource", null) == "arn:aws:s3:::example-tf-state/live/terraform.tfstate" && contains(flatten([lookup(s, "Action", [])]), "s3:DeleteObjectVersion")
    ])
    error_message = "The apply role must be denied deleting the bucket or its state versions, changing its policy, versioning or public access."
  }

  assert {
    condition = one([
      for s in jsondecode(aws_iam_role_policy.apply.policy).Statement : lookup(s, "Condition", null).StringEquals["iam:PassedToService"]
      if s.Effect == "Allow" && contains(flatten([lookup(s, "Action", [])]), "iam:PassRole")
    ]) == ["eks.amazonaws.com", "pods.eks.amazonaws.com", "vpc-flow-logs.amazonaws.com", "ec2.amazonaws.com", "codebuild.amazonaws.com"]
    error_message = "PassRole must be limited to the services that receive the platform's roles."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_iam_policy.boundary.policy).Statement :
      s.Effect == "Deny" && toset(flatten([lookup(s, "Action", [])])) == toset(["s3:*", "kms:*"]) && contains(flatten([lookup(s, "Resource", [])]), "arn:aws:s3:::example-tf-state/*")
      ]) && alltrue([
      for s in jsondecode(aws_iam_policy.boundary.policy).Statement : alltrue([
        for a in flatten([lookup(s, "Action", [])]) : !startswith(a, "iam:") || contains(["iam:CreateServiceLinkedRole", "iam:GetServerCertificate", "iam:ListServerCertificates", "iam:PassRole", "iam:CreateInstanceProfile", "iam:TagInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile", "iam:GetInstanceProfile", "iam:ListInstanceProfiles"], a)
      ]) if s.Effect == "Allow"
    ])
    error_message = "The boundary must keep created roles away from the state and from IAM writes other than Karpenter's instance profiles."
  }
}

run "image_platform_and_deploy_roles" {
  command = plan

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
    condition = {
      for role, policy in aws_iam_role_policy.find_the_cluster : role => jsondecode(policy.policy).Statement
      } == {
      for role in ["platform_sync", "deploy"] : role => [
        {
          Sid      = "FindTheCluster"
          Effect   = "Allow"
          Action   = "eks:DescribeCluster"
          Resource = "arn:aws:eks:eu-west-1:123456789012:cluster/devops-eks-cluster"
        },
        {
          Sid      = "ReadPlatformOutputs"
          Effect   = "Allow"
          Action   = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:ListTagsForResource"]
          Resource = ["arn:aws:ssm:eu-west-1:123456789012:parameter/devops-eks-cluster/platform", "arn:aws:ssm:eu-west-1:123456789012:parameter/devops-eks-cluster/platform/*"]
        },
      ]
    }
    error_message = "The platform sync and deploy roles may describe the one cluster and read the published outputs."
  }

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.deploy_reads_the_manifest.policy).Statement : s.Sid => [s.Action, s.Resource]
      } == {
      LogInToEcr      = ["ecr:GetAuthorizationToken", "*"]
      ReadTheManifest = ["ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:123456789012:repository/webapp"]
    }
    error_message = "The deploy role's only ECR rights are a login and reading the one repository's manifests (no layers, no push)."
  }

  assert {
    # Only the apply role writes under the prefix: every other CI role's SSM actions are reads.
    condition = alltrue(flatten([
      for policy in concat(
        [aws_iam_role_policy.plan_pr.policy, aws_iam_role_policy.plan.policy, aws_iam_role_policy.plan_store_write.policy, aws_iam_role_policy.ecr_push.policy, aws_iam_role_policy.deploy_reads_the_manifest.policy],
        [for p in aws_iam_role_policy.find_the_cluster : p.policy],
        ) : [
        for s in jsondecode(policy).Statement : [
          for a in flatten([lookup(s, "Action", [])]) :
          !startswith(a, "ssm:") || contains(["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:ListTagsForResource", "ssm:DescribeParameters"], a)
        ] if s.Effect == "Allow"
      ]
    ]))
    error_message = "The plan, ECR push, platform sync and deploy roles may only read the published outputs, never write them."
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
      !anytrue([for a in flatten([lookup(s, "Action", [])]) : startswith(a, "ssm:") && a != "ssm:DescribeParameters"]) || s.Sid == "PublishPlatformOutputs"
    ])
    error_message = "No other apply statement may touch SSM parameters."
  }

  assert {
    condition = [
      for policy in [aws_iam_role_policy.plan_pr.policy, aws_iam_role_policy.plan.policy] : [
        for s in jsondecode(policy).Statement : s.Resource if s.Sid == "ReadPlatformOutputs"
      ]
      ] == [for role in ["plan_pr", "plan"] : [[
        "arn:aws:ssm:eu-west-1:123456789012:parameter/devops-eks-cluster/platform",
        "arn:aws:ssm:eu-west-1:123456789012:parameter/devops-eks-cluster/platform/*",
    ]]]
    error_message = "Both plan roles may read the published outputs and no other parameter."
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
      for policy in [aws_iam_role_policy.plan_pr.policy, aws_iam_role_policy.plan.policy, aws_iam_role_policy.apply.policy, aws_iam_role_policy.ecr_push.policy, aws_iam_role_policy.find_the_cluster["deploy"].policy, aws_iam_role_policy.deploy_reads_the_manifest.policy] : [
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
      for s in jsondecode(aws_iam_role_policy.apply.policy).Statement : lookup(s, "Resource", null)
      if anytrue([for a in flatten([lookup(s, "Action", [])]) : startswith(a, "sqs:") || startswith(a, "events:")]) && s.Effect == "Allow"
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
    condition = output.ci_role_names == {
      plan_pr       = "devops-eks-cluster-ci-plan-pr"
      plan          = "devops-eks-cluster-ci-plan"
      apply         = "devops-eks-cluster-ci-apply"
      ecr_push      = "devops-eks-cluster-ci-ecr-push"
      platform_sync = "devops-eks-cluster-ci-platform-sync"
      deploy        = "devops-eks-cluster-ci-deploy"
    }
    error_message = "ci_role_names must follow <cluster_name>-ci-<purpose>."
  }
}

run "existing_oidc_provider_is_reused" {
  command = plan

  variables {
    github_oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
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

run "rejects_foreign_oidc_provider" {
  command = plan

  variables {
    github_oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/example.com"
  }

  expect_failures = [var.github_oidc_provider_arn]
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

run "rejects_bad_environment" {
  command = plan

  variables {
    github_environments = { apply = "prod:*" }
  }

  expect_failures = [var.github_environments]
}

run "rejects_shared_environment" {
  command = plan

  variables {
    github_environments = { apply = "Production" }
  }

  expect_failures = [var.github_environments]
}

run "rejects_non_numeric_owner_id" {
  command = plan

  variables {
    github_owner_id      = "example-org"
    github_repository_id = "987654321"
  }

  expect_failures = [var.github_owner_id]
}

run "rejects_one_id_without_the_other" {
  command = plan

  variables {
    github_owner_id = "1234567"
  }

  expect_failures = [var.github_repository_id]
}

run "rejects_non_numeric_repository_id" {
  command = plan

  variables {
    github_owner_id      = "1234567"
    github_repository_id = "devops-eks"
  }

  expect_failures = [var.github_repository_id]
}
