variable "aws_region" {
  description = "Region of the platform. Set in terraform/settings.auto.tfvars.json, which terraform/bootstrap reads too."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like an AWS region code, for example eu-west-1."
  }
}

variable "cluster_name" {
  description = "Name of the EKS cluster; also names the VPC, NLB and IAM roles. Set in terraform/settings.auto.tfvars.json, shared with terraform/bootstrap."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z]([a-zA-Z0-9-]{0,26}[a-zA-Z0-9])?$", var.cluster_name))
    error_message = "cluster_name must start with a letter, hold only letters, digits and hyphens, not end with a hyphen, and be at most 28 characters."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version; change it together with addon_versions."
  type        = string
  default     = "1.35"

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as 1.35."
  }
}

variable "addon_versions" {
  description = "Pinned EKS add-on versions for kubernetes_version. Check them with `aws eks describe-addon-versions --kubernetes-version 1.35 --addon-name <name>` before the first apply and on every upgrade."
  type = object({
    vpc-cni                = string
    coredns                = string
    kube-proxy             = string
    eks-pod-identity-agent = string
    metrics-server         = string
    aws-ebs-csi-driver     = string
  })
  default = {
    vpc-cni                = "v1.21.1-eksbuild.1"
    coredns                = "v1.13.1-eksbuild.1"
    kube-proxy             = "v1.35.0-eksbuild.2"
    eks-pod-identity-agent = "v1.3.10-eksbuild.1"
    metrics-server         = "v0.8.0-eksbuild.1"
    aws-ebs-csi-driver     = "v1.53.0-eksbuild.1"
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC (/16 to /19)."
  type        = string
  default     = "10.0.0.0/16"
}

variable "az_count" {
  description = "Number of availability zones (2 to 6)."
  type        = number
  default     = 3
}

variable "availability_zones" {
  description = "AZ names to pin, in order; empty uses the region's available AZs in name order."
  type        = list(string)
  default     = []
}

variable "nat_mode" {
  description = "none | single | one_per_az (costs per mode: docs/faq.md)."
  type        = string
  default     = "single"
}

variable "enable_interface_endpoints" {
  description = "Interface endpoints private nodes need without NAT (ec2, ecr.api, ecr.dkr, sts, eks-auth, elasticloadbalancing, logs); required when nat_mode is none."
  type        = bool
  default     = false
}

variable "endpoint_access" {
  description = "Kubernetes API endpoint: private (default; CI runs on the in-VPC runner, operators use the bastion), public_cidrs (public_access_cidrs only) or public_any (any address, IAM-authenticated; see modules/eks for the risk)."
  type        = string
  default     = "private"

  validation {
    condition     = var.endpoint_access != "private" || var.ci_runner != null
    error_message = "endpoint_access = \"private\" needs ci_runner: GitHub-hosted runners cannot reach a private endpoint. Set ci_runner = { github_repository = \"owner/name\", codeconnections_arn = \"...\" }, or choose endpoint_access = \"public_cidrs\" (with public_access_cidrs) or \"public_any\"."
  }
}

variable "public_access_cidrs" {
  description = "CIDRs allowed to reach the public Kubernetes API endpoint when endpoint_access is public_cidrs."
  type        = list(string)
  default     = []
}

variable "ci_runner" {
  description = "CodeBuild-hosted GitHub Actions runner in the private subnets, for the deploy job (modules/ci-runner): the repository and exactly one source credential, a CodeConnections connection ARN (authorised once in the console) or a Secrets Manager secret ARN holding a token. Null for none."
  type = object({
    github_repository       = string
    codeconnections_arn     = optional(string)
    github_token_secret_arn = optional(string)
  })
  default = null

  validation {
    condition     = var.ci_runner == null || var.nat_mode != "none"
    error_message = "ci_runner needs NAT: its jobs reach GitHub, the chart repositories and the tool downloads through it. Set nat_mode = \"single\" (or one_per_az), or drop ci_runner and use endpoint_access = \"public_cidrs\" or \"public_any\" with GitHub-hosted runners."
  }
}

variable "enable_bastion" {
  description = "An instance in a private subnet with no inbound rules, reached by Session Manager port forwarding to the private API endpoint (make cluster-tunnel prints the commands)."
  type        = bool
  default     = false
}

variable "pull_through_cache_credentials" {
  description = "Secrets Manager ARNs (names starting with ecr-pullthroughcache/) of the Docker Hub and ghcr.io credentials of the ECR pull-through cache. Required when nat_mode is none: nodes then pull every public image through the cache."
  type = object({
    docker_hub_credential_arn                = string
    github_container_registry_credential_arn = string
  })
  default = null

  validation {
    condition     = var.pull_through_cache_credentials != null || var.nat_mode != "none"
    error_message = "nat_mode = \"none\" needs pull_through_cache_credentials: without NAT, nodes reach quay.io, registry.k8s.io, public.ecr.aws, docker.io and ghcr.io only through the ECR pull-through cache, and Docker Hub and ghcr.io require a credential."
  }
}

variable "admin_principal_arns" {
  description = "IAM roles or users that become cluster admins through access entries; at least one (the cluster creator gets no access)."
  type        = list(string)

  validation {
    condition     = length(var.admin_principal_arns) > 0
    error_message = "admin_principal_arns is empty: the cluster creator gets no access (bootstrap_cluster_creator_admin_permissions = false), so no person could administer the cluster. Add the IAM role you administer AWS with, for example arn:aws:iam::<account-id>:role/<admin-role>."
  }
}

variable "ci_role_names" {
  description = "Names of the CI roles created by terraform/bootstrap (its ci_role_names output). Null derives <cluster_name>-ci-{plan,apply,platform-sync,deploy}."
  type = object({
    plan          = string
    apply         = string
    platform_sync = string
    deploy        = string
  })
  default = null
}

variable "app_namespace" {
  description = "Namespace of the app release (deploy/deploy.sh NAMESPACE): the CI deploy role may edit this namespace only."
  type        = string
  default     = "webapp"
}

variable "load_balancer_controller_creates_load_balancers" {
  description = "Let the AWS Load Balancer Controller create load balancers (the chart's loadBalancerService alternative to the Terraform NLB). Uninstall such releases before `terraform destroy`, or their load balancers block the VPC's deletion."
  type        = bool
  default     = false
}

variable "node_instance_types" {
  description = "Instance types of the node group."
  type        = list(string)
  default     = ["t3.large"]
}

variable "node_capacity_type" {
  description = "ON_DEMAND or SPOT."
  type        = string
  default     = "ON_DEMAND"
}

variable "node_size" {
  description = "System node group min, desired (initial) and max size: two fixed nodes in two AZs for Karpenter, CoreDNS and the platform add-ons; Karpenter launches the rest."
  type = object({
    min     = number
    desired = number
    max     = number
  })
  default = { min = 2, desired = 2, max = 2 }
}

variable "ecr_repository_name" {
  description = "Name of the app's ECR repository; the bootstrap's CI roles may push to this name only. Set in terraform/settings.auto.tfvars.json."
  type        = string
}

variable "parameter_prefix" {
  description = "SSM path under which the outputs the workflows need are published; the bootstrap lets the CI roles read this path. Set in terraform/settings.auto.tfvars.json."
  type        = string

  validation {
    condition     = can(regex("^(/[A-Za-z0-9_.-]+)+$", var.parameter_prefix)) && !startswith(lower(var.parameter_prefix), "/aws") && !startswith(lower(var.parameter_prefix), "/ssm")
    error_message = "parameter_prefix must be an SSM path such as /devops-eks-cluster/platform: segments of letters, digits, _ . -, no trailing slash, not under /aws or /ssm."
  }
}

variable "ecr_force_delete" {
  description = "Allow destroying the repository with images in it; apply it as true right before a teardown."
  type        = bool
  default     = false
}

variable "certificate_arn" {
  description = "ACM certificate for a TLS listener on 443; null serves TCP 80 only. Needs app_dns_name: the certificate must cover the name clients and the smoke test use."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || var.app_dns_name != null
    error_message = "certificate_arn needs app_dns_name: set app_dns_name to the name the certificate covers, and point it at the load_balancer_dns_name output (CNAME, or a Route 53 alias with load_balancer_zone_id)."
  }
}

variable "app_dns_name" {
  description = "DNS name clients use for the app (a CNAME or alias to the NLB). app_url uses it; required with certificate_arn. Null uses the NLB's own name."
  type        = string
  default     = null

  validation {
    condition     = var.app_dns_name == null || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.app_dns_name))
    error_message = "app_dns_name must be a lower-case DNS name such as app.example.com, without scheme, port or trailing dot."
  }
}

variable "app_ingress_cidrs" {
  description = "Client CIDRs allowed to reach the NLB."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "log_retention_days" {
  description = "Retention of the flow-log and control-plane log groups, in days."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every resource through the provider's default_tags."
  type        = map(string)
  default = {
    Project   = "devops-eks"
    ManagedBy = "terraform/live"
  }
}
