output "instance_id" {
  description = "Session Manager target of the bastion (aws ssm start-session --target ...)."
  value       = aws_instance.this.id
}

output "security_group_id" {
  description = "Security group of the bastion (give it HTTPS to the cluster API)."
  value       = aws_security_group.this.id
}

output "role_name" {
  description = "IAM role of the bastion (Session Manager only)."
  value       = aws_iam_role.this.name
}
