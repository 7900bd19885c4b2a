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

output "cluster_certificate_authority_data" {
  description = "Base64 CA bundle of the API endpoint (the tunnel kubeconfig of make cluster-tunnel)."
  value       = module.eks.cluster_certificate_authority_data
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
  description = "URL of the app: https://<app_dns_name> with a certificate, http://<app_dns_name or NLB name> without."
  value       = local.app_url
}

output "load_balancer_dns_name" {
  description = "DNS name of the NLB: the target of the CNAME (or alias) record for app_dns_name."
  value       = module.nlb.dns_name
}

output "load_balancer_zone_id" {
  description = "Route 53 hosted zone id of the NLB, for an alias record."
  value       = module.nlb.zone_id
}

output "parameter_names" {
  description = "SSM parameters holding what the workflows read at run time (deploy/platform_outputs.sh)."
  value       = { for name, parameter in aws_ssm_parameter.published : name => parameter.name }
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
  description = "CI role for main-branch plans and the drift check."
  value       = data.aws_iam_role.ci["plan"].arn
}

output "apply_role_arn" {
  description = "CI role for applies (production environment)."
  value       = data.aws_iam_role.ci["apply"].arn
}

output "platform_sync_role_arn" {
  description = "CI role for the platform sync job (cluster admin through its access entry)."
  value       = data.aws_iam_role.ci["platform_sync"].arn
}

output "deploy_role_arn" {
  description = "CI role for the app deploy job (the app namespace through its access entry)."
  value       = data.aws_iam_role.ci["deploy"].arn
}

output "cluster_endpoint_access" {
  description = "How the API endpoint is reached: private, public_cidrs or public_any."
  value       = module.eks.endpoint_access
}

output "ci_runner_project" {
  description = "CodeBuild project of the in-VPC runner (the deploy job's runs-on: codebuild-<project>-<run id>-<run attempt>); null without one."
  value       = var.ci_runner == null ? null : module.ci_runner[0].project_name
}

output "bastion_instance_id" {
  description = "Session Manager target for port forwarding to the private API endpoint; null without a bastion."
  value       = var.enable_bastion ? module.bastion[0].instance_id : null
}

output "image_registry_cache" {
  description = "ECR registry host of the pull-through cache (platform images move to <host>/<upstream host>/<path>); null without the cache."
  value       = var.pull_through_cache_credentials == null ? null : module.pull_through_cache[0].registry
}

output "karpenter_node_role_name" {
  description = "Role of the nodes Karpenter launches (platform/karpenter: the EC2NodeClass's spec.role)."
  value       = module.karpenter.node_role_name
}

output "karpenter_interruption_queue" {
  description = "SQS queue of EC2 interruption events (platform/karpenter: the chart's settings.interruptionQueue)."
  value       = module.karpenter.interruption_queue_name
}

output "karpenter_isolated_vpc" {
  description = "True without NAT: Karpenter cannot reach the pricing API (platform/karpenter: the chart's settings.isolatedVPC)."
  value       = local.karpenter_isolated_vpc
}
