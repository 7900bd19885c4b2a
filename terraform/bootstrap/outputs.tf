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
  description = "Names of the plan, apply and deploy roles (terraform/live looks them up by name)."
  value       = { for purpose, role in aws_iam_role.ci : purpose => role.name }
}

output "plan_role_arn" {
  description = "Role for pull-request plans (sub repo:OWNER/NAME:pull_request)."
  value       = aws_iam_role.ci["plan"].arn
}

output "apply_role_arn" {
  description = "Role for applies from the apply environment."
  value       = aws_iam_role.ci["apply"].arn
}

output "deploy_role_arn" {
  description = "Role for the app workflow: ECR push and eks:DescribeCluster."
  value       = aws_iam_role.ci["deploy"].arn
}
