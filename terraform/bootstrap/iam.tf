################################################################################
# Permissions of the CI roles
################################################################################

locals {
  state_object_arn = "${local.state_bucket_arn}/${var.state_key}"
  lock_object_arn  = "${local.state_bucket_arn}/${local.lock_key}"
  state_key_arn    = aws_kms_key.state.arn

  iam_arn            = "${local.arn_prefix}:iam::${local.account_id}"
  platform_role_arns = "${local.iam_arn}:role/${var.cluster_name}-*"
  # Exact ARNs: the platform may create roles of its own under <cluster_name>-ci-* (the in-VPC
  # runner's <cluster_name>-ci-codebuild), so the deny names the CI roles one by one.
  ci_role_arns           = [for role in local.ci_roles : "${local.iam_arn}:role/${role.name}"]
  boundary_name          = "${var.cluster_name}-permissions-boundary"
  boundary_arn           = "${local.iam_arn}:policy/${local.boundary_name}"
  github_oidc_target_arn = "${local.iam_arn}:oidc-provider/${local.github_oidc_host}"
  ecr_repository_arn     = "${local.arn_prefix}:ecr:${var.aws_region}:${local.account_id}:repository/${var.ecr_repository_name}"

  # The only managed policies terraform/live attaches (modules/eks: cluster, nodes, vpc-cni and
  # EBS CSI Pod Identity roles; modules/bastion: Session Manager). The apply role may attach
  # these and nothing else.
  platform_managed_policy_arns = [for name in [
    "AmazonEKSClusterPolicy",
    "AmazonEKSWorkerNodePolicy",
    "AmazonEC2ContainerRegistryPullOnly",
    "AmazonEKS_CNI_Policy",
    "service-role/AmazonEBSCSIDriverPolicy",
    "AmazonSSMManagedInstanceCore",
  ] : "${local.arn_prefix}:iam::aws:policy/${name}"]

  # Services that receive the platform's roles: the control plane and node groups (EKS), Pod
  # Identity, VPC Flow Logs, the bastion's instance (EC2) and the in-VPC runner (CodeBuild).
  platform_role_services = ["eks.amazonaws.com", "pods.eks.amazonaws.com", "vpc-flow-logs.amazonaws.com", "ec2.amazonaws.com", "codebuild.amazonaws.com"]

  # What `terraform plan` of terraform/live reads: resource metadata, policies and tags, each on
  # the platform's own resources where the action takes a resource ARN. No call here returns
  # data: no log events, image layers, object bodies or secret values.
  region_arn = "${var.aws_region}:${local.account_id}"
  plan_read_statements = [
    {
      # wildcard-reason: Describe calls of EC2, ELB and CloudWatch Logs and kms:ListAliases take
      # no resource ARN; they return metadata only.
      Sid      = "DescribePlatformMetadata"
      Effect   = "Allow"
      Action   = ["ec2:Describe*", "elasticloadbalancing:Describe*", "logs:DescribeLogGroups", "kms:ListAliases"]
      Resource = "*"
    },
    {
      Sid    = "ReadTheCluster"
      Effect = "Allow"
      Action = ["eks:DescribeCluster", "eks:DescribeNodegroup", "eks:DescribeAddon", "eks:DescribeAccessEntry", "eks:ListAssociatedAccessPolicies", "eks:DescribePodIdentityAssociation"]
      Resource = [for kind in ["cluster", "nodegroup", "addon", "access-entry", "podidentityassociation"] :
        "${local.arn_prefix}:eks:${local.region_arn}:${kind}/${var.cluster_name}${kind == "cluster" ? "" : "/*"}"
      ]
    },
    {
      Sid      = "ReadPlatformRoles"
      Effect   = "Allow"
      Action   = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:GetPolicy", "iam:GetPolicyVersion"]
      Resource = [local.platform_role_arns, local.boundary_arn]
    },
    {
      Sid      = "ReadPlatformKeys"
      Effect   = "Allow"
      Action   = ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"]
      Resource = "${local.arn_prefix}:kms:${local.region_arn}:key/*"
    },
    {
      Sid      = "ReadTheRepository"
      Effect   = "Allow"
      Action   = ["ecr:DescribeRepositories", "ecr:GetLifecyclePolicy", "ecr:GetRepositoryPolicy", "ecr:ListTagsForResource"]
      Resource = local.ecr_repository_arn
    },
    {
      Sid      = "ReadLogGroupTags"
      Effect   = "Allow"
      Action   = ["logs:ListTagsForResource", "logs:ListTagsLogGroup"]
      Resource = "${local.arn_prefix}:logs:${local.region_arn}:log-group:*"
    },
    {
      Sid      = "ReadTheCertificate"
      Effect   = "Allow"
      Action   = ["acm:DescribeCertificate", "acm:ListTagsForCertificate"]
      Resource = "${local.arn_prefix}:acm:${local.region_arn}:certificate/*"
    },
    # The plan refreshes the published parameters: value, metadata and tags.
    local.read_platform_outputs_statement,
    local.describe_parameters_statement,
  ]

  # terraform/live publishes its outputs under the parameter prefix (parameters.tf); only the
  # apply role writes there, every other CI role reads.
  read_platform_outputs_statement = {
    Sid      = "ReadPlatformOutputs"
    Effect   = "Allow"
    Action   = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:ListTagsForResource"]
    Resource = local.platform_parameter_arns
  }
  describe_parameters_statement = {
    # wildcard-reason: DescribeParameters has no resource-level permissions; the provider
    # calls it to read a parameter's metadata. It returns names, never values.
    Sid      = "DescribeParameters"
    Effect   = "Allow"
    Action   = "ssm:DescribeParameters"
    Resource = "*"
  }

  read_state_statements = [
    {
      Sid      = "ListStateBucket"
      Effect   = "Allow"
      Action   = "s3:ListBucket"
      Resource = local.state_bucket_arn
    },
    {
      Sid      = "ReadState"
      Effect   = "Allow"
      Action   = "s3:GetObject"
      Resource = local.state_object_arn
    },
    {
      Sid      = "DecryptState"
      Effect   = "Allow"
      Action   = ["kms:Decrypt", "kms:DescribeKey"]
      Resource = local.state_key_arn
    },
  ]

  # use_lockfile writes and deletes <key>.tflock next to the state, encrypted with the state key.
  lock_statements = [
    {
      Sid      = "HoldTheLock"
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
      Resource = local.lock_object_arn
    },
    {
      Sid      = "EncryptTheLock"
      Effect   = "Allow"
      Action   = "kms:GenerateDataKey"
      Resource = local.state_key_arn
    },
  ]

}

# Pull-request plan role: code from a branch runs with it, so it reads metadata and the state
# only, plans without a lock (-lock=false), and can write nothing.
resource "aws_iam_role_policy" "plan_pr" {
  #checkov:skip=CKV_AWS_355:Describe and List calls take no resource ARN; the list holds read-only metadata actions only.
  name = "terraform-plan-pull-request"
  role = aws_iam_role.ci["plan_pr"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(local.read_state_statements, local.plan_read_statements, [
      {
        # A pull request must never release or fake the lock of a running apply.
        Sid      = "DenyStateBucketWrites"
        Effect   = "Deny"
        Action   = ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"]
        Resource = "${local.state_bucket_arn}/*"
      },
    ])
  })
}

# Main-branch plan role (the plan before an apply, the drift check): the same reads, plus the lock.
resource "aws_iam_role_policy" "plan" {
  #checkov:skip=CKV_AWS_355:Describe and List calls take no resource ARN; the list holds read-only metadata actions only.
  name = "terraform-plan"
  role = aws_iam_role.ci["plan"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(local.read_state_statements, local.lock_statements, local.plan_read_statements, [
      {
        # Writes only the lock and, through plan_store.tf, new saved plans under plans/.
        Sid         = "DenyStateWrites"
        Effect      = "Deny"
        Action      = ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"]
        NotResource = [local.lock_object_arn, local.plan_objects_arn]
      },
    ])
  })
}

################################################################################
# Permissions boundary of every role the apply role creates
################################################################################

# Caps the platform's roles (cluster, nodes, add-ons, flow logs, bastion, in-VPC runner) whatever
# policy the apply role puts on them: AWS services the workloads call, never IAM writes and never the state.
resource "aws_iam_policy" "boundary" {
  #checkov:skip=CKV_AWS_289:A boundary grants nothing by itself; it caps roles at the services the platform's workloads call.
  #checkov:skip=CKV_AWS_290:Same as CKV_AWS_289: write access is the ceiling for the workload roles, not a grant.
  #checkov:skip=CKV_AWS_355:Same as CKV_AWS_289: the ceiling names services, the attached policies name resources.
  #checkov:skip=CKV_AWS_286:Same as CKV_AWS_289; IAM writes other than service-linked roles are denied in the boundary itself.
  #checkov:skip=CKV_AWS_287:Same as CKV_AWS_289; the state bucket and key are denied in the boundary itself.
  #checkov:skip=CKV_AWS_288:Same as CKV_AWS_289; the state bucket and key are denied in the boundary itself.
  name        = local.boundary_name
  description = "Ceiling of every IAM role the CI apply role creates for ${var.cluster_name}"

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # wildcard-reason: a permissions boundary is a ceiling, not a grant; the roles' own
        # policies (AWS managed EKS policies, the controller's policy) name the resources.
        Sid    = "WorkloadServices"
        Effect = "Allow"
        Action = [
          "ec2:*",
          "elasticloadbalancing:*",
          "autoscaling:Describe*",
          "autoscaling:UpdateAutoScalingGroup",
          "eks:Describe*",
          "eks:List*",
          "eks-auth:AssumeRoleForPodIdentity",
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:GetAuthorizationToken",
          "ecr:GetDownloadUrlForLayer",
          "ecr:BatchImportUpstreamImage",
          "ecr:CreateRepository",
          "kms:CreateGrant",
          "kms:DescribeKey",
          "logs:CreateLogStream",
          "logs:DescribeLogGroups",
          "logs:DescribeLogStreams",
          "logs:PutLogEvents",
          "acm:DescribeCertificate",
          "acm:ListCertificates",
          "iam:CreateServiceLinkedRole",
          "iam:GetServerCertificate",
          "iam:ListServerCertificates",
          "cognito-idp:DescribeUserPoolClient",
          "shield:*",
          "waf-regional:*",
          "wafv2:*",
          "tag:GetResources",
          # The bastion (AmazonSSMManagedInstanceCore, Session Manager only).
          "ssm:DescribeAssociation",
          "ssm:DescribeDocument",
          "ssm:GetDocument",
          "ssm:GetManifest",
          "ssm:ListAssociations",
          "ssm:ListInstanceAssociations",
          "ssm:PutComplianceItems",
          "ssm:PutConfigurePackageResult",
          "ssm:PutInventory",
          "ssm:UpdateAssociationStatus",
          "ssm:UpdateInstanceAssociationStatus",
          "ssm:UpdateInstanceInformation",
          "ssmmessages:*",
          "ec2messages:*",
          # The in-VPC runner: its GitHub connection, or the token secret instead.
          "codeconnections:GetConnection",
          "codeconnections:GetConnectionToken",
          "codeconnections:UseConnection",
          "codestar-connections:GetConnection",
          "codestar-connections:GetConnectionToken",
          "codestar-connections:UseConnection",
          "secretsmanager:GetSecretValue",
          # The Karpenter controller: instance profiles for its node role, passed to EC2 only by
          # its own policy; prices, AMI parameters, its interruption queue.
          "iam:PassRole",
          "iam:CreateInstanceProfile",
          "iam:TagInstanceProfile",
          "iam:AddRoleToInstanceProfile",
          "iam:RemoveRoleFromInstanceProfile",
          "iam:DeleteInstanceProfile",
          "iam:GetInstanceProfile",
          "iam:ListInstanceProfiles",
          "pricing:GetProducts",
          "ssm:GetParameter",
          "sqs:DeleteMessage",
          "sqs:GetQueueUrl",
          "sqs:ReceiveMessage",
        ]
        Resource = "*"
      },
      {
        Sid      = "NeverTheState"
        Effect   = "Deny"
        Action   = ["s3:*", "kms:*"]
        Resource = [local.state_bucket_arn, "${local.state_bucket_arn}/*", local.state_key_arn]
      },
    ]
  })
}

################################################################################
# Apply role: creates and destroys everything in terraform/live, nothing else
################################################################################

resource "aws_iam_role_policy" "apply" {
  #checkov:skip=CKV_AWS_286:Service-level wildcards on resources Terraform creates; IAM writes are limited to boundary-capped roles named <cluster_name>-*.
  #checkov:skip=CKV_AWS_287:Same as CKV_AWS_286: applying the platform must read the resources it manages.
  #checkov:skip=CKV_AWS_288:Same as CKV_AWS_286: the apply role reads and writes the state it owns.
  #checkov:skip=CKV_AWS_289:IAM writes need the permissions boundary (iam:PermissionsBoundary) and name the attachable policies (iam:PolicyARN).
  #checkov:skip=CKV_AWS_290:Write actions on resources whose ids do not exist before apply cannot be scoped by ARN.
  #checkov:skip=CKV_AWS_355:Same as CKV_AWS_290: Create* calls in EC2, EKS, ELB, ECR, KMS and logs have no resource ARN yet.
  name = "terraform-apply"
  role = aws_iam_role.ci["apply"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(local.read_state_statements, local.lock_statements, [
      {
        Sid      = "WriteState"
        Effect   = "Allow"
        Action   = "s3:PutObject"
        Resource = local.state_object_arn
      },
      {
        # terraform/live creates the VPC, cluster, node group, load balancer,
        # registry, keys and log groups; their ARNs only exist after the Create call, so the
        # services are allowed as a whole. The policy has no "*" action.
        Sid    = "ManagePlatformServices"
        Effect = "Allow"
        Action = [
          "ec2:*",
          "eks:*",
          "elasticloadbalancing:*",
          "ecr:*",
          "logs:*",
          "kms:*",
          "autoscaling:Describe*",
          "acm:DescribeCertificate",
          "acm:ListCertificates",
          "iam:Get*",
          "iam:List*",
        ]
        Resource = "*"
      },
      {
        Sid      = "PublishPlatformOutputs"
        Effect   = "Allow"
        Action   = ["ssm:PutParameter", "ssm:DeleteParameter", "ssm:GetParameter", "ssm:GetParameters", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource", "ssm:ListTagsForResource"]
        Resource = local.platform_parameter_arns
      },
      local.describe_parameters_statement,
      {
        # Every role it creates, and every policy change on one, carries the boundary.
        Sid      = "CreateRolesInsideTheBoundary"
        Effect   = "Allow"
        Action   = ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy"]
        Resource = local.platform_role_arns
        Condition = {
          StringEquals = { "iam:PermissionsBoundary" = local.boundary_arn }
        }
      },
      {
        Sid      = "AttachOnlyThePlatformPolicies"
        Effect   = "Allow"
        Action   = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
        Resource = local.platform_role_arns
        Condition = {
          StringEquals = { "iam:PermissionsBoundary" = local.boundary_arn }
          ArnEquals    = { "iam:PolicyARN" = local.platform_managed_policy_arns }
        }
      },
      {
        Sid      = "MaintainPlatformRoles"
        Effect   = "Allow"
        Action   = ["iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole"]
        Resource = local.platform_role_arns
      },
      {
        Sid      = "PassPlatformRolesToTheirServices"
        Effect   = "Allow"
        Action   = "iam:PassRole"
        Resource = local.platform_role_arns
        Condition = {
          StringEquals = { "iam:PassedToService" = local.platform_role_services }
        }
      },
      {
        # Karpenter's interruption queue and the EventBridge rules feeding it are named
        # <cluster_name>-karpenter*, so these services are held to the cluster's name prefix.
        Sid    = "ManageInterruptionQueue"
        Effect = "Allow"
        Action = ["sqs:*", "events:*"]
        Resource = [
          "${local.arn_prefix}:sqs:${var.aws_region}:${local.account_id}:${var.cluster_name}-*",
          "${local.arn_prefix}:events:${var.aws_region}:${local.account_id}:rule/${var.cluster_name}-*",
        ]
      },
      {
        Sid      = "CreateServiceLinkedRoles"
        Effect   = "Allow"
        Action   = "iam:CreateServiceLinkedRole"
        Resource = "${local.iam_arn}:role/aws-service-role/*"
        Condition = {
          StringEquals = {
            "iam:AWSServiceName" = [
              "eks.amazonaws.com",
              "eks-nodegroup.amazonaws.com",
              "elasticloadbalancing.amazonaws.com",
              "autoscaling.amazonaws.com",
            ]
          }
        }
      },
      {
        # The CI roles are named <cluster_name>-ci-*, inside the platform prefix: without this
        # the apply role could rewrite its own trust or policies, or another CI role's.
        Sid       = "DenyChangingCiIdentities"
        Effect    = "Deny"
        NotAction = ["iam:Get*", "iam:List*"]
        Resource  = concat(local.ci_role_arns, [local.boundary_arn, local.github_oidc_target_arn])
      },
      {
        Sid      = "DenyDroppingTheBoundary"
        Effect   = "Deny"
        Action   = "iam:DeleteRolePermissionsBoundary"
        Resource = "*"
      },
      {
        Sid    = "DenyDestroyingTheStateKey"
        Effect = "Deny"
        Action = [
          "kms:PutKeyPolicy",
          "kms:ScheduleKeyDeletion",
          "kms:DisableKey",
          "kms:DisableKeyRotation",
          "kms:CreateGrant",
          "kms:DeleteAlias",
          "kms:UpdateAlias",
        ]
        Resource = [local.state_key_arn, aws_kms_alias.state.arn]
      },
      {
        Sid    = "DenyDestroyingTheStateBucket"
        Effect = "Deny"
        Action = [
          "s3:DeleteBucket",
          "s3:PutBucketPolicy",
          "s3:DeleteBucketPolicy",
          "s3:PutBucketVersioning",
          "s3:PutBucketPublicAccessBlock",
          "s3:PutBucketAcl",
          "s3:PutBucketOwnershipControls",
          "s3:PutEncryptionConfiguration",
          "s3:PutLifecycleConfiguration",
        ]
        Resource = local.state_bucket_arn
      },
      {
        Sid      = "DenyDeletingStateVersions"
        Effect   = "Deny"
        Action   = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl"]
        Resource = local.state_object_arn
      },
    ])
  })
}

################################################################################
# Image, platform and app roles
################################################################################

# ECR push role: the app workflow's build job pushes the image.
resource "aws_iam_role_policy" "ecr_push" {
  name = "ecr-push"
  role = aws_iam_role.ci["ecr_push"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # GetAuthorizationToken has no resource-level permissions; the token alone grants nothing.
        Sid      = "LogInToEcr"
        Effect   = "Allow"
        Action   = "ecr:GetAuthorizationToken"
        Resource = "*"
      },
      {
        Sid    = "PushToTheRepository"
        Effect = "Allow"
        Action = [
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:CompleteLayerUpload",
          "ecr:DescribeImages",
          "ecr:GetDownloadUrlForLayer",
          "ecr:InitiateLayerUpload",
          "ecr:PutImage",
          "ecr:UploadLayerPart",
        ]
        Resource = local.ecr_repository_arn
      },
      # The registry URL, published by terraform/live.
      local.read_platform_outputs_statement,
    ]
  })
}

# Platform sync and app deploy: AWS only finds the cluster; Kubernetes rights come from each
# role's access entry (modules/eks): cluster admin for the platform sync, the app namespace for
# the deploy. The nodes pull the image.
resource "aws_iam_role_policy" "find_the_cluster" {
  for_each = toset(["platform_sync", "deploy"])

  name = "find-the-cluster"
  role = aws_iam_role.ci[each.key].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "FindTheCluster"
        Effect   = "Allow"
        Action   = "eks:DescribeCluster"
        Resource = local.cluster_arn
      },
      # The deploy targets and Karpenter's inputs, published by terraform/live.
      local.read_platform_outputs_statement,
    ]
  })
}

# The deploy job verifies the image's attestation (make verify-image), which reads the image's
# manifest from the registry: a login and the manifest, no layers, no writes.
resource "aws_iam_role_policy" "deploy_reads_the_manifest" {
  name = "read-the-image-manifest"
  role = aws_iam_role.ci["deploy"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # GetAuthorizationToken has no resource-level permissions; the token alone grants nothing.
        Sid      = "LogInToEcr"
        Effect   = "Allow"
        Action   = "ecr:GetAuthorizationToken"
        Resource = "*"
      },
      {
        Sid      = "ReadTheManifest"
        Effect   = "Allow"
        Action   = "ecr:BatchGetImage"
        Resource = local.ecr_repository_arn
      },
    ]
  })
}
