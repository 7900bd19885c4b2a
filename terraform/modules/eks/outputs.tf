output "cluster_name" {
  description = "Name of the cluster."
  value       = aws_eks_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the cluster."
  value       = aws_eks_cluster.this.arn
}

output "cluster_endpoint" {
  description = "Kubernetes API endpoint."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64 CA bundle of the API endpoint."
  value       = aws_eks_cluster.this.certificate_authority[0].data
}

output "cluster_version" {
  description = "Kubernetes version of the control plane."
  value       = aws_eks_cluster.this.version
}

output "node_security_group_id" {
  description = "The EKS-created cluster security group; nodes (launch template without its own groups) and their pods use it."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "node_role_arn" {
  description = "IAM role of the worker nodes."
  value       = aws_iam_role.node.arn
}

output "node_role_name" {
  description = "Name of the worker nodes' IAM role."
  value       = aws_iam_role.node.name
}

output "cluster_role_arn" {
  description = "IAM role of the control plane."
  value       = aws_iam_role.cluster.arn
}

output "load_balancer_controller_role_arn" {
  description = "Pod Identity role of the AWS Load Balancer Controller (already associated with its service account)."
  value       = aws_iam_role.pod_identity["aws-load-balancer-controller"].arn
}

output "ebs_csi_driver_role_arn" {
  description = "Pod Identity role of the EBS CSI driver."
  value       = aws_iam_role.pod_identity["aws-ebs-csi-driver"].arn
}

output "secrets_kms_key_arn" {
  description = "KMS key that encrypts Kubernetes secrets."
  value       = aws_kms_key.secrets.arn
}

output "node_subnet_ids" {
  description = "Subnets the managed node group launches into."
  value       = aws_eks_node_group.default.subnet_ids
}

output "endpoint_access" {
  description = "How the API endpoint is reached: private (in-VPC runner and bastion), public_cidrs or public_any."
  value       = var.endpoint_access
}

output "api_access_rules" {
  description = "Security groups let in to the API endpoint on 443, by name."
  value       = { for k, r in aws_vpc_security_group_ingress_rule.api_access : k => r.referenced_security_group_id }
}

output "system_node_labels" {
  description = "Kubernetes labels of the managed (system) node group's nodes; the Karpenter controller's nodeSelector."
  value       = aws_eks_node_group.default.labels
}

output "ci_access" {
  description = "Kubernetes access of the CI roles: principal, scope (cluster or namespace) and namespaces, per role (platform_sync, deploy)."
  value = {
    for purpose, association in {
      platform_sync = one(aws_eks_access_policy_association.platform_sync)
      deploy        = one(aws_eks_access_policy_association.deploy)
      } : purpose => {
      principal_arn = association.principal_arn
      policy_arn    = association.policy_arn
      scope         = association.access_scope[0].type
      namespaces    = sort(tolist(coalesce(association.access_scope[0].namespaces, [])))
    } if association != null
  }
}

output "permissions_boundary_arn" {
  description = "The permissions boundary every IAM role of this module carries (null if none)."
  value       = one(distinct(concat([aws_iam_role.cluster.permissions_boundary, aws_iam_role.node.permissions_boundary], [for role in aws_iam_role.pod_identity : role.permissions_boundary])))
}
