output "aws_region" {
  description = "Region of the platform."
  value       = var.aws_region
}

output "cluster_name" {
  description = "Name of the EKS cluster (aws eks update-kubeconfig --name ...)."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "Kubernetes API endpoint."
  value       = module.eks.cluster_endpoint
}

output "vpc_id" {
  description = "VPC id (the AWS Load Balancer Controller's vpcId value)."
  value       = module.network.vpc_id
}

output "public_subnet_cidrs" {
  description = "CIDRs of the public subnets, where NLB traffic to pods comes from (the chart's loadBalancer.healthCheckCIDRs)."
  value       = module.network.public_subnet_cidrs
}

output "ecr_repository_url" {
  description = "URL of the webapp repository."
  value       = module.ecr.repository_url
}

output "app_url" {
  description = "URL of the app through the NLB."
  value       = module.nlb.app_url
}

output "target_group_arn" {
  description = "Target group the chart's TargetGroupBinding registers pods into."
  value       = module.nlb.target_group_arn
}

output "load_balancer_controller_role_arn" {
  description = "Pod Identity role of the AWS Load Balancer Controller (associated with kube-system/aws-load-balancer-controller)."
  value       = module.eks.load_balancer_controller_role_arn
}

output "plan_role_arn" {
  description = "CI role for pull-request plans."
  value       = data.aws_iam_role.ci["plan"].arn
}

output "apply_role_arn" {
  description = "CI role for applies (production environment)."
  value       = data.aws_iam_role.ci["apply"].arn
}

output "deploy_role_arn" {
  description = "CI role for the app workflow (ECR push, helm deploy)."
  value       = data.aws_iam_role.ci["deploy"].arn
}
