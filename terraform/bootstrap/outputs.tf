output "aws_region" {
  description = "Region of the state bucket and the platform."
  value       = var.aws_region
}

output "state_bucket" {
  description = "Name of the remote-state bucket."
  value       = aws_s3_bucket.state.bucket
}

output "state_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the state."
  value       = aws_kms_key.state.arn
}

output "backend_config" {
  description = "Partial S3 backend configuration for terraform/live: `terraform -chdir=terraform/bootstrap output -raw backend_config > terraform/live/backend.hcl`."
  value       = <<-EOT
    bucket       = "${aws_s3_bucket.state.bucket}"
    key          = "${var.state_key}"
    region       = "${var.aws_region}"
    encrypt      = true
    kms_key_id   = "${aws_kms_key.state.arn}"
  EOT
}

output "github_oidc_provider_arn" {
  description = "ARN of the GitHub Actions OIDC provider the CI roles trust."
  value       = local.github_oidc_arn
}

output "ci_role_names" {
  description = "Names of the CI roles (terraform/live looks up plan, apply, platform_sync and deploy by name)."
  value       = { for purpose, role in aws_iam_role.ci : purpose => role.name }
}

output "github_environments" {
  description = "GitHub environment of each CI job: create each one in the repository (docs/deploy.md)."
  value       = var.github_environments
}

output "github_oidc_subjects" {
  description = "The one OIDC subject each CI role trusts (name or immutable-id form)."
  value       = { for purpose, role in local.ci_roles : purpose => role.subject }
}

output "permissions_boundary_arn" {
  description = "Boundary every role created by the apply role must carry (terraform/live's permissions_boundary_arn)."
  value       = aws_iam_policy.boundary.arn
}

output "plan_pr_role_arn" {
  description = "Role for pull-request plans: metadata and state reads, no lock, no writes."
  value       = aws_iam_role.ci["plan_pr"].arn
}

output "plan_role_arn" {
  description = "Role for main-branch plans and the drift check (plan environment): the pull-request reads plus the state lock."
  value       = aws_iam_role.ci["plan"].arn
}

output "apply_role_arn" {
  description = "Role for applies (apply environment)."
  value       = aws_iam_role.ci["apply"].arn
}

output "ecr_push_role_arn" {
  description = "Role for the app workflow's build job (ecr_push environment): push to the one ECR repository."
  value       = aws_iam_role.ci["ecr_push"].arn
}

output "platform_sync_role_arn" {
  description = "Role for the platform sync job (platform_sync environment): eks:DescribeCluster; cluster admin via its EKS access entry."
  value       = aws_iam_role.ci["platform_sync"].arn
}

output "deploy_role_arn" {
  description = "Role for the app deploy job (deploy environment): eks:DescribeCluster; the app namespace via its EKS access entry."
  value       = aws_iam_role.ci["deploy"].arn
}
