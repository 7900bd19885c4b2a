variable "name" {
  description = "Name of the EKS cluster; also the prefix of its IAM roles, so the CI apply role (scoped to <name>-*) can manage them."
  type        = string
  default     = "devops-eks-cluster"

  validation {
    condition     = can(regex("^[a-zA-Z]([a-zA-Z0-9-]{0,26}[a-zA-Z0-9])?$", var.name))
    error_message = "name must start with a letter, hold only letters, digits and hyphens, not end with a hyphen, and be at most 28 characters."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane and the nodes. Upgrade one minor at a time, with matching addon_versions."
  type        = string
  default     = "1.35"

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as 1.35 (no patch, no leading v)."
  }
}

variable "support_type" {
  description = "EKS upgrade policy: STANDARD upgrades the cluster when standard support ends; EXTENDED keeps the version at extra hourly cost."
  type        = string
  default     = "STANDARD"

  validation {
    condition     = contains(["STANDARD", "EXTENDED"], var.support_type)
    error_message = "support_type must be STANDARD or EXTENDED."
  }
}

variable "vpc_id" {
  description = "VPC of the cluster."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets (at least two AZs) for the control-plane ENIs, the nodes and the pods."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "private_subnet_ids needs subnets in at least two AZs."
  }
}

variable "endpoint_access" {
  description = "Who reaches the Kubernetes API endpoint (the private endpoint in the VPC is always on). private (default): only from inside the VPC; CI uses the in-VPC runner (modules/ci-runner), operators the bastion (modules/bastion). public_cidrs: also from public_access_cidrs. public_any: also from any internet address. Requests still need IAM authentication and an access entry, but the API server, its version and any flaw before authentication face the whole internet: use it only when neither other mode is possible."
  type        = string
  default     = "private"

  validation {
    condition     = contains(["private", "public_cidrs", "public_any"], var.endpoint_access)
    error_message = "endpoint_access must be private, public_cidrs or public_any."
  }
}

variable "public_access_cidrs" {
  description = "CIDRs allowed to reach the public API endpoint when endpoint_access is public_cidrs; empty otherwise."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.public_access_cidrs : can(cidrhost(c, 0)) && can(regex("^[0-9.]+/[0-9]+$", c)) && c != "0.0.0.0/0"])
    error_message = "public_access_cidrs must be IPv4 CIDRs other than 0.0.0.0/0; an endpoint open to every address is endpoint_access = \"public_any\"."
  }

  validation {
    condition     = (var.endpoint_access == "public_cidrs") == (length(var.public_access_cidrs) > 0)
    error_message = "public_access_cidrs is used with endpoint_access = \"public_cidrs\" only, and that mode needs at least one CIDR: list the CIDRs and set public_cidrs, or empty the list for private / public_any."
  }
}

variable "api_access_security_group_ids" {
  description = "Security groups (by a stable name: ci-runner, bastion) whose members may reach the private API endpoint on 443, added to the cluster security group."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, id in var.api_access_security_group_ids : can(regex("^[a-z][a-z0-9-]*$", k)) && can(regex("^sg-[0-9a-f]+$", id))])
    error_message = "api_access_security_group_ids maps short lowercase names to security group ids (sg-...)."
  }
}

variable "node_egress_dependencies" {
  description = "IDs of what gives the nodes their way out (NAT routes or VPC endpoints; network module output egress_dependencies). The node group waits for them, so no node boots before it can pull images and get credentials."
  type        = list(string)
  default     = []
}

variable "admin_principal_arns" {
  description = "IAM roles or users that get cluster-admin through an EKS access entry. The cluster creator gets nothing implicitly, so at least one is required."
  type        = list(string)

  validation {
    condition     = alltrue([for a in var.admin_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$", a))])
    error_message = "admin_principal_arns must be IAM role or user ARNs (not assumed-role session ARNs)."
  }

  validation {
    condition     = length(var.admin_principal_arns) > 0
    error_message = "admin_principal_arns is empty: the cluster creator gets no access (bootstrap_cluster_creator_admin_permissions = false), so no person could administer the cluster. Add the IAM role you administer AWS with, for example arn:aws:iam::<account-id>:role/<admin-role>."
  }
}

variable "deploy_role_arn" {
  description = "The CI app deploy role (terraform/bootstrap). Gets an access entry limited to app_namespace; null for none."
  type        = string
  default     = null

  validation {
    condition     = var.deploy_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.deploy_role_arn))
    error_message = "deploy_role_arn must be an IAM role ARN."
  }
}

variable "platform_sync_role_arn" {
  description = "The CI platform sync role (terraform/bootstrap). Gets a cluster-admin access entry (CRDs, ClusterRoles, webhooks, the app namespace); null for none."
  type        = string
  default     = null

  validation {
    condition     = var.platform_sync_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.platform_sync_role_arn))
    error_message = "platform_sync_role_arn must be an IAM role ARN."
  }
}

variable "app_namespace" {
  description = "Namespace of the app release: the deploy role may edit this namespace and nothing else."
  type        = string
  default     = "webapp"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.app_namespace)) && !contains(["default", "kube-system", "kube-public", "kube-node-lease"], var.app_namespace)
    error_message = "app_namespace must be a Kubernetes namespace name other than default and the kube-* system namespaces."
  }
}

variable "deploy_kubernetes_group" {
  description = "Kubernetes group of the deploy role's access entry; the platform sync binds it to the Role for the chart's custom resources in app_namespace."
  type        = string
  default     = "app-deployers"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.deploy_kubernetes_group)) && !startswith(var.deploy_kubernetes_group, "system")
    error_message = "deploy_kubernetes_group must be a lowercase name, not a system: group (EKS refuses those)."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of every IAM role this module creates (terraform/bootstrap's permissions_boundary_arn); the CI apply role may only create roles that carry it. Null for none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN."
  }
}

variable "node_instance_types" {
  description = "Instance types of the managed node group (the first one that has capacity is used)."
  type        = list(string)
  default     = ["t3.large"]

  validation {
    condition     = length(var.node_instance_types) > 0 && alltrue([for t in var.node_instance_types : can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", t))])
    error_message = "node_instance_types must be a non-empty list of EC2 instance types such as t3.large."
  }
}

variable "node_ami_type" {
  description = "EKS-optimized AMI family of the nodes (AL2023)."
  type        = string
  default     = "AL2023_x86_64_STANDARD"

  validation {
    condition     = startswith(var.node_ami_type, "AL2023_")
    error_message = "node_ami_type must be an AL2023 AMI type, for example AL2023_x86_64_STANDARD or AL2023_ARM_64_STANDARD."
  }
}

variable "node_capacity_type" {
  description = "ON_DEMAND or SPOT."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "SPOT"], var.node_capacity_type)
    error_message = "node_capacity_type must be ON_DEMAND or SPOT."
  }
}

variable "node_size" {
  description = "Node group scaling: min, desired (initial only; later changes are left to autoscalers) and max."
  type = object({
    min     = number
    desired = number
    max     = number
  })
  default = { min = 2, desired = 2, max = 4 }

  validation {
    condition     = var.node_size.min >= 1 && var.node_size.min <= var.node_size.desired && var.node_size.desired <= var.node_size.max && var.node_size.max <= 100
    error_message = "node_size must satisfy 1 <= min <= desired <= max <= 100."
  }
}

variable "node_max_unavailable" {
  description = "Nodes replaced at once during a node group update."
  type        = number
  default     = 1

  validation {
    condition     = var.node_max_unavailable >= 1 && floor(var.node_max_unavailable) == var.node_max_unavailable
    error_message = "node_max_unavailable must be a whole number of at least 1."
  }
}

variable "node_disk_size_gib" {
  description = "Size of each node's encrypted gp3 root volume."
  type        = number
  default     = 30

  validation {
    condition     = var.node_disk_size_gib >= 20 && var.node_disk_size_gib <= 1000
    error_message = "node_disk_size_gib must be from 20 to 1000."
  }
}

variable "addon_versions" {
  description = "Pinned version of each managed add-on; must match kubernetes_version (aws eks describe-addon-versions --kubernetes-version <v> --addon-name <name>)."
  type = object({
    vpc-cni                = string
    coredns                = string
    kube-proxy             = string
    eks-pod-identity-agent = string
    metrics-server         = string
    aws-ebs-csi-driver     = string
  })

  validation {
    condition     = alltrue([for v in values(var.addon_versions) : can(regex("^v[0-9]+\\.[0-9]+\\.[0-9]+-eksbuild\\.[0-9]+$", v))])
    error_message = "Each add-on version must look like v1.2.3-eksbuild.1."
  }
}

variable "load_balancer_target_group_arns" {
  description = "Target groups the AWS Load Balancer Controller may register pods into (TargetGroupBinding)."
  type        = list(string)

  validation {
    condition     = alltrue([for a in var.load_balancer_target_group_arns : can(regex("^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/.+$", a))])
    error_message = "load_balancer_target_group_arns must be target group ARNs."
  }
}

variable "load_balancer_controller_service_account" {
  description = "Namespace and name of the AWS Load Balancer Controller's service account (the platform Helm values must match)."
  type = object({
    namespace = string
    name      = string
  })
  default = { namespace = "kube-system", name = "aws-load-balancer-controller" }
}

variable "log_retention_days" {
  description = "Retention of the control-plane log group, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN that encrypts the control-plane log group (its policy must allow the CloudWatch Logs service)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN."
  }
}

variable "tags" {
  description = "Extra tags for every resource in this module."
  type        = map(string)
  default     = {}
}

variable "load_balancer_controller_creates_load_balancers" {
  description = "Grant the AWS Load Balancer Controller its full upstream IAM policy (policies/aws-load-balancer-controller.json), so that `type: LoadBalancer` Services and Ingresses can create load balancers: the chart's loadBalancerService alternative. Off by default: Terraform owns the NLB, and a load balancer the controller creates is not in the state, so it must be deleted (by uninstalling the release) before `terraform destroy`."
  type        = bool
  default     = false
}
