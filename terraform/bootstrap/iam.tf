################################################################################
# Permissions of the CI roles
################################################################################

locals {
  state_object_arn = "${local.state_bucket_arn}/${var.state_key}"
  lock_object_arn  = "${local.state_bucket_arn}/${local.lock_key}"

  # Reading and locking the state: what both plan and apply need.
  state_access_statements = [
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
      Resource = [local.state_object_arn, local.lock_object_arn]
    },
    {
      # use_lockfile writes and deletes <key>.tflock next to the state.
      Sid      = "WriteLockFile"
      Effect   = "Allow"
      Action   = ["s3:PutObject", "s3:DeleteObject"]
      Resource = local.lock_object_arn
    },
    {
      Sid      = "UseStateKey"
      Effect   = "Allow"
      Action   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      Resource = aws_kms_key.state.arn
    },
  ]
}

# Plan role: read-only, for pull requests.
resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.ci["plan"].name
  policy_arn = "${local.arn_prefix}:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_role_policy" "plan" {
  name = "terraform-plan"
  role = aws_iam_role.ci["plan"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(local.state_access_statements, [{
      # ReadOnlyAccess also reads data (objects, items, parameters). A pull request
      # only needs resource metadata, so data reads other than the state are denied.
      Sid    = "DenyDataReads"
      Effect = "Deny"
      Action = [
        "s3:GetObject",
        "s3:GetObjectVersion",
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "secretsmanager:GetSecretValue",
      ]
      # The published platform outputs stay readable: plans refresh them.
      NotResource = concat([local.state_object_arn, local.lock_object_arn], local.platform_parameter_arns)
    }])
  })
}

# Apply role: creates and destroys everything in terraform/live, for the production environment.
resource "aws_iam_role_policy" "apply" {
  #checkov:skip=CKV_AWS_286:Service-level wildcards on resources Terraform creates; IAM itself is scoped to the cluster's name prefix below.
  #checkov:skip=CKV_AWS_287:Same as CKV_AWS_286: applying the platform must read the resources it manages.
  #checkov:skip=CKV_AWS_288:Same as CKV_AWS_286: the apply role reads and writes the state it owns.
  #checkov:skip=CKV_AWS_289:IAM write actions are limited to roles and policies named <cluster_name>-*.
  #checkov:skip=CKV_AWS_290:Write actions on resources whose ids do not exist before apply cannot be scoped by ARN.
  #checkov:skip=CKV_AWS_355:Same as CKV_AWS_290: Create* calls in EC2, EKS, ELB, ECR, KMS and logs have no resource ARN yet.
  name = "terraform-apply"
  role = aws_iam_role.ci["apply"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(local.state_access_statements, [
      {
        Sid      = "WriteState"
        Effect   = "Allow"
        Action   = ["s3:PutObject"]
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
      {
        # wildcard-reason: DescribeParameters has no resource-level permissions; the provider
        # calls it to read a parameter's metadata. It returns names, never values.
        Sid      = "DescribeParameters"
        Effect   = "Allow"
        Action   = "ssm:DescribeParameters"
        Resource = "*"
      },
      {
        Sid      = "ManagePlatformRoles"
        Effect   = "Allow"
        Action   = "iam:*"
        Resource = [local.platform_iam_role_arns, "${local.arn_prefix}:iam::${local.account_id}:policy/${var.cluster_name}-*"]
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
        Resource = "${local.arn_prefix}:iam::${local.account_id}:role/aws-service-role/*"
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
    ])
  })
}

locals {
  ecr_push_statements = [
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
    {
      # The registry URL and the deploy targets, published by terraform/live.
      Sid      = "ReadPlatformOutputs"
      Effect   = "Allow"
      Action   = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]
      Resource = local.platform_parameter_arns
    },
  ]
}

# ECR push role: the app workflow's build job (main branch, no environment) pushes the image.
resource "aws_iam_role_policy" "ecr_push" {
  name = "ecr-push"
  role = aws_iam_role.ci["ecr_push"].id

  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = local.ecr_push_statements
  })
}

# Deploy role: pushes the image and talks to the cluster, nothing else in AWS.
resource "aws_iam_role_policy" "deploy" {
  name = "app-deploy"
  role = aws_iam_role.ci["deploy"].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(local.ecr_push_statements, [{
      # Kubernetes permissions come from the cluster's access entry for this role (modules/eks).
      Sid      = "FindTheCluster"
      Effect   = "Allow"
      Action   = "eks:DescribeCluster"
      Resource = local.cluster_arn
    }])
  })
}
