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
  description = "Names of the CI roles (terraform/live looks up plan, apply and deploy by name)."
  value       = { for purpose, role in aws_iam_role.ci : purpose => role.name }
}

output "plan_role_arn" {
  description = "Read-only role for plans: pull requests, and the main branch (plan before apply, drift check)."
  value       = aws_iam_role.ci["plan"].arn
}

output "apply_role_arn" {
  description = "Role for applies from the apply environment."
  value       = aws_iam_role.ci["apply"].arn
}

output "ecr_push_role_arn" {
  description = "Role for the app workflow's build job on the main branch: push to the one ECR repository."
  value       = aws_iam_role.ci["ecr_push"].arn
}

output "deploy_role_arn" {
  description = "Role for the app workflow's deploy job (production environment): ECR push and eks:DescribeCluster; Kubernetes rights via its EKS access entry."
  value       = aws_iam_role.ci["deploy"].arn
}
