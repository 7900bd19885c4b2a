output "controller_role_arn" {
  description = "Pod Identity role of the Karpenter controller (already associated with its service account)."
  value       = aws_iam_role.controller.arn
}

output "node_role_name" {
  description = "IAM role of the nodes Karpenter launches: the EC2NodeClass's spec.role."
  value       = aws_iam_role.node.name
}

output "node_role_arn" {
  description = "ARN of the node role (it has an EC2_LINUX access entry)."
  value       = aws_iam_role.node.arn
}

output "interruption_queue_name" {
  description = "SQS queue of interruption events: the chart's settings.interruptionQueue."
  value       = aws_sqs_queue.interruption.name
}

output "discovery_tag" {
  description = "Tag (key and value) on the private subnets and the node security group that the EC2NodeClass selects them by."
  value       = local.discovery_tag
}
