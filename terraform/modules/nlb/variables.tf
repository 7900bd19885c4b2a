variable "name" {
  description = "Name of the load balancer and its target group (both capped at 32 characters by AWS)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z]([a-zA-Z0-9-]{0,26}[a-zA-Z0-9])?$", var.name))
    error_message = "name must start with a letter, hold only letters, digits and hyphens, not end with a hyphen, and be at most 28 characters."
  }
}

variable "vpc_id" {
  description = "VPC of the target group."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets the internet-facing NLB spans (one per AZ)."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "public_subnet_ids needs at least two subnets in different AZs."
  }
}

variable "node_security_group_id" {
  description = "Security group of the nodes; with the default VPC CNI setup pods share it, so the NLB reaches pods through it."
  type        = string
}

variable "ingress_cidrs" {
  description = "Client CIDRs allowed to reach the listeners."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.ingress_cidrs) > 0 && alltrue([for c in var.ingress_cidrs : can(cidrhost(c, 0)) && can(regex("^[0-9.]+/[0-9]+$", c))])
    error_message = "ingress_cidrs must be a non-empty list of IPv4 CIDRs."
  }
}

variable "certificate_arn" {
  description = "ACM certificate ARN. When set, a TLS listener on 443 is added next to TCP 80."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "tls_policy" {
  description = "Security policy of the TLS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "target_port" {
  description = "Pod port the NLB forwards to (the app's http port)."
  type        = number
  default     = 8080

  validation {
    condition     = var.target_port >= 1 && var.target_port <= 65535 && floor(var.target_port) == var.target_port
    error_message = "target_port must be a TCP port number."
  }
}

variable "health_check_port" {
  description = "Pod port of the readiness endpoint (the app's admin port)."
  type        = number
  default     = 9090

  validation {
    condition     = var.health_check_port >= 1 && var.health_check_port <= 65535 && floor(var.health_check_port) == var.health_check_port
    error_message = "health_check_port must be a TCP port number."
  }
}

variable "health_check_path" {
  description = "HTTP path of the readiness endpoint."
  type        = string
  default     = "/readyz"

  validation {
    condition     = startswith(var.health_check_path, "/")
    error_message = "health_check_path must start with /."
  }
}

variable "deregistration_delay_seconds" {
  description = "How long the NLB keeps sending in-flight connections to a deregistering pod; keep it below the pod's termination grace period."
  type        = number
  default     = 30

  validation {
    condition     = var.deregistration_delay_seconds >= 0 && var.deregistration_delay_seconds <= 3600
    error_message = "deregistration_delay_seconds must be from 0 to 3600."
  }
}

variable "enable_deletion_protection" {
  description = "Protect the NLB from deletion. Off by default so `terraform destroy` removes it with the VPC."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Extra tags for every resource in this module."
  type        = map(string)
  default     = {}
}
