variable "name" {
  description = "Name prefix for every resource (the cluster name, so IAM names match the apply role's scope)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z]([a-zA-Z0-9-]{0,26}[a-zA-Z0-9])?$", var.name))
    error_message = "name must start with a letter, hold only letters, digits and hyphens, not end with a hyphen, and be at most 28 characters."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC, /16 to /19. Private subnets get 1/8 of it each, public subnets a small slice at the top."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && can(regex("^[0-9.]+/(1[6-9])$", var.vpc_cidr)) && try(cidrhost(var.vpc_cidr, 0) == split("/", var.vpc_cidr)[0], false)
    error_message = "vpc_cidr must be an IPv4 network address with a prefix from /16 to /19, for example 10.0.0.0/16."
  }
}

variable "az_count" {
  description = "Number of availability zones to spread subnets (and NAT gateways in one_per_az mode) across."
  type        = number
  default     = 3

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 6 && floor(var.az_count) == var.az_count
    error_message = "az_count must be a whole number from 2 (EKS needs subnets in two AZs) to 6."
  }
}

variable "availability_zones" {
  description = "AZ names to use, in order (the first az_count are taken). Empty uses the region's available AZs in name order."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for az in var.availability_zones : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$", az))]) && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "availability_zones must be distinct AZ names such as eu-west-1a."
  }
}

variable "nat_mode" {
  description = "Outbound internet for the private subnets: none (VPC endpoints only), single (one NAT gateway, cheapest) or one_per_az (survives an AZ outage)."
  type        = string
  default     = "single"

  validation {
    condition     = contains(["none", "single", "one_per_az"], var.nat_mode)
    error_message = "nat_mode must be one of none, single, one_per_az."
  }
}

variable "enable_s3_gateway_endpoint" {
  description = "Route S3 traffic (ECR image layers) through a free gateway endpoint instead of NAT."
  type        = bool
  default     = true

  validation {
    condition     = var.enable_s3_gateway_endpoint || var.nat_mode != "none"
    error_message = "nat_mode = \"none\" needs enable_s3_gateway_endpoint = true: ECR serves image layers from S3."
  }
}

variable "enable_interface_endpoints" {
  description = "Create the interface endpoints private nodes need without NAT (ec2, ecr.api, ecr.dkr, sts, eks-auth, elasticloadbalancing, logs) in the private subnets; billed per endpoint, AZ and hour. Required when nat_mode is none."
  type        = bool
  default     = false

  validation {
    condition     = var.enable_interface_endpoints || var.nat_mode != "none"
    error_message = "nat_mode = \"none\" needs enable_interface_endpoints = true, or nodes cannot get IPs, credentials or images."
  }
}

variable "additional_interface_endpoints" {
  description = "More interface endpoint services (short names such as ssm, ssmmessages, ec2messages for Session Manager without NAT), created with the others when enable_interface_endpoints is true."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.additional_interface_endpoints : can(regex("^[a-z0-9-]+(\\.[a-z0-9-]+)*$", s))])
    error_message = "additional_interface_endpoints must be service short names such as ssm or ecr.api (no com.amazonaws.<region>. prefix)."
  }

  validation {
    condition     = length(var.additional_interface_endpoints) == 0 || var.enable_interface_endpoints
    error_message = "additional_interface_endpoints needs enable_interface_endpoints = true."
  }
}

variable "flow_log_retention_days" {
  description = "Retention of the VPC flow log group, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN that encrypts the flow log group (its policy must allow the CloudWatch Logs service)."
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

variable "private_subnet_tags" {
  description = "Extra tags for the private subnets only, such as the karpenter.sh/discovery tag node provisioners select them by."
  type        = map(string)
  default     = {}
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the flow-log role (terraform/bootstrap's permissions_boundary_arn); the CI apply role may only create roles that carry it. Null for none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN."
  }
}
