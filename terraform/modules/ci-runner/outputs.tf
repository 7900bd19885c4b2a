output "project_name" {
  description = "Name of the CodeBuild project (the repository variable CI_RUNNER_PROJECT)."
  value       = aws_codebuild_project.this.name
}

output "runs_on_label_prefix" {
  description = "Start of the runs-on label; a job appends -<run id>-<run attempt>."
  value       = "codebuild-${aws_codebuild_project.this.name}"
}

output "security_group_id" {
  description = "Security group of the runner's jobs (give it HTTPS to the cluster API)."
  value       = aws_security_group.this.id
}

output "service_role_arn" {
  description = "Service role of the project (logs, network interfaces, source credential only)."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the runner's jobs."
  value       = aws_cloudwatch_log_group.this.name
}
