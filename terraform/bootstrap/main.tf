provider "aws" {
  region = var.aws_region

  default_tags {
    tags = var.tags
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  arn_prefix = "arn:${local.partition}"

  state_bucket_arn = aws_s3_bucket.state.arn
  lock_key         = "${var.state_key}.tflock"

  github_oidc_host = "token.actions.githubusercontent.com"
  github_audience  = "sts.amazonaws.com"
  github_oidc_arn  = coalesce(var.github_oidc_provider_arn, one(aws_iam_openid_connect_provider.github[*].arn))
  cluster_arn      = "${local.arn_prefix}:eks:${var.aws_region}:${local.account_id}:cluster/${var.cluster_name}"
  # GetParametersByPath is authorised on the path itself, GetParameter on each name below it.
  platform_parameter_arns = [
    "${local.arn_prefix}:ssm:${var.aws_region}:${local.account_id}:parameter${var.parameter_prefix}",
    "${local.arn_prefix}:ssm:${var.aws_region}:${local.account_id}:parameter${var.parameter_prefix}/*",
  ]

  # terraform/live reads these tags from the CI roles and refuses to plan when they differ from
  # its own settings, i.e. when the bootstrap was not applied again after a settings change.
  shared_settings_tags = {
    PlatformRegion          = var.aws_region
    PlatformEcrRepository   = var.ecr_repository_name
    PlatformParameterPrefix = var.parameter_prefix
  }

  # GitHub issues one of two subject forms: repo:OWNER/REPO (repositories that keep the name
  # form) or repo:OWNER-OWNERID/REPO-REPOID (immutable ids). Trust holds exactly the form the
  # repository's tokens carry, never both.
  github_owner           = split("/", var.github_repository)[0]
  github_repo            = split("/", var.github_repository)[1]
  github_uses_ids        = var.github_owner_id != null
  github_subject_prefix  = local.github_uses_ids ? "repo:${local.github_owner}-${var.github_owner_id}/${local.github_repo}-${var.github_repository_id}" : "repo:${var.github_repository}"
  github_subject_by_role = { for role, environment in var.github_environments : role => "${local.github_subject_prefix}:environment:${environment}" }

  # One role per job, each trusting one subject no other role trusts. Pull-request plans get the
  # pull_request subject; every other job runs in its own GitHub environment, so a job on main
  # (a test job, say) presents neither an environment subject nor a role's trust.
  ci_roles = {
    plan_pr       = { name = "${var.cluster_name}-ci-plan-pr", subject = "${local.github_subject_prefix}:pull_request" }
    plan          = { name = "${var.cluster_name}-ci-plan", subject = local.github_subject_by_role["plan"] }
    apply         = { name = "${var.cluster_name}-ci-apply", subject = local.github_subject_by_role["apply"] }
    ecr_push      = { name = "${var.cluster_name}-ci-ecr-push", subject = local.github_subject_by_role["ecr_push"] }
    platform_sync = { name = "${var.cluster_name}-ci-platform-sync", subject = local.github_subject_by_role["platform_sync"] }
    deploy        = { name = "${var.cluster_name}-ci-deploy", subject = local.github_subject_by_role["deploy"] }
  }
}

################################################################################
# Remote state: S3 bucket encrypted with its own KMS key
################################################################################

resource "aws_kms_key" "state" {
  description             = "Encrypts the Terraform state in s3://${var.state_bucket_name}"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      # The default key policy: IAM policies in this account decide who may use the key.
      Sid       = "AccountAdministersKey"
      Effect    = "Allow"
      Principal = { AWS = "${local.arn_prefix}:iam::${local.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_alias" "state" {
  name          = "alias/${var.state_bucket_name}"
  target_key_id = aws_kms_key.state.key_id
}

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18:Access logging needs a second log bucket; CloudTrail data events are the audit trail for a state bucket.
  #checkov:skip=CKV_AWS_144:Cross-region replication doubles cost; versioning plus prevent_destroy protect the state in this reference setup.
  #checkov:skip=CKV2_AWS_62:Nothing consumes state-change events, so no notification target exists.
  bucket = var.state_bucket_name

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket = aws_s3_bucket.state.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "expire-noncurrent-state-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # Expiring noncurrent versions only makes sense once versioning is on.
  depends_on = [aws_s3_bucket_versioning.state]
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [local.state_bucket_arn, "${local.state_bucket_arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })

  # S3 rejects a bucket policy while Block Public Access is still being applied.
  depends_on = [aws_s3_bucket_public_access_block.state]
}

################################################################################
# GitHub Actions OIDC provider and the CI roles
################################################################################

resource "aws_iam_openid_connect_provider" "github" {
  count = var.github_oidc_provider_arn == null ? 1 : 0

  url            = "https://${local.github_oidc_host}"
  client_id_list = [local.github_audience]
}

resource "aws_iam_role" "ci" {
  for_each = local.ci_roles

  name                 = each.value.name
  description          = "GitHub Actions ${each.key} role for ${var.github_repository}"
  max_session_duration = 3600
  tags                 = local.shared_settings_tags

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = local.github_oidc_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${local.github_oidc_host}:aud" = local.github_audience
          "${local.github_oidc_host}:sub" = each.value.subject
        }
      }
    }]
  })
}
