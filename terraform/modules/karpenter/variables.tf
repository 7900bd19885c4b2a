variable "cluster_name" {
  description = "Name of the EKS cluster Karpenter provisions nodes for; prefixes the IAM roles and the queue, and is the value of the karpenter.sh/discovery tag."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z]([a-zA-Z0-9-]{0,26}[a-zA-Z0-9])?$", var.cluster_name))
    error_message = "cluster_name must start with a letter, hold only letters, digits and hyphens, not end with a hyphen, and be at most 28 characters."
  }
}

variable "cluster_arn" {
  description = "ARN of the cluster (modules/eks output cluster_arn); its region and account scope the controller policy."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:eks:[a-z0-9-]+:[0-9]{12}:cluster/.+$", var.cluster_arn))
    error_message = "cluster_arn must be an EKS cluster ARN."
  }
}

variable "node_security_group_id" {
  description = "Security group the Karpenter nodes join (modules/eks output node_security_group_id, the one the NLB's rules admit); gets the discovery tag."
  type        = string

  validation {
    condition     = can(regex("^sg-[0-9a-f]{8,17}$", var.node_security_group_id))
    error_message = "node_security_group_id must be a security group id like sg-0123456789abcdef0."
  }
}

variable "service_account" {
  description = "Namespace and name of the Karpenter controller's service account (platform/karpenter/values.yaml must match)."
  type = object({
    namespace = string
    name      = string
  })
  default = { namespace = "kube-system", name = "karpenter" }

  validation {
    condition     = alltrue([for v in values(var.service_account) : can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", v))])
    error_message = "service_account namespace and name must be Kubernetes names (lower case letters, digits, hyphens)."
  }
}

variable "queue_message_retention_seconds" {
  description = "How long an interruption event waits in the queue. Spot warnings give two minutes, so older messages are useless."
  type        = number
  default     = 300

  validation {
    condition     = var.queue_message_retention_seconds >= 60 && var.queue_message_retention_seconds <= 1209600
    error_message = "queue_message_retention_seconds must be from 60 to 1209600 (SQS limits)."
  }
}

variable "tags" {
  description = "Extra tags for every resource in this module."
  type        = map(string)
  default     = {}
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the module's IAM roles (terraform/bootstrap's permissions_boundary_arn); the CI apply role may only create roles that carry it. Null for none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN."
  }
}
