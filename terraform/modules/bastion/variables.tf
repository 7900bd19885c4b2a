variable "name" {
  description = "Name prefix of the bastion's instance, role and security group."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,40}$", var.name)) && !endswith(var.name, "-")
    error_message = "name must start with a letter, hold only letters, digits and hyphens, not end with a hyphen, and be at most 41 characters."
  }
}

variable "vpc_id" {
  description = "VPC of the cluster."
  type        = string
}

variable "subnet_id" {
  description = "Private subnet of the bastion (no public IP; Session Manager reaches it through NAT or the ssm, ssmmessages and ec2messages endpoints)."
  type        = string
}

variable "instance_type" {
  description = "Instance type; it only forwards TCP, so the smallest Graviton type is enough."
  type        = string
  default     = "t4g.nano"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*g[a-z0-9-]*\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be a Graviton (arm64) type such as t4g.nano: the AMI is the arm64 AL2023 image."
  }
}

variable "ami_name_pattern" {
  description = "Name pattern of the Amazon-owned arm64 AMI: AL2023 standard images, which ship the SSM agent."
  type        = string
  default     = "al2023-ami-2023.*-kernel-*-arm64"
}

variable "tags" {
  description = "Extra tags for every resource in this module."
  type        = map(string)
  default     = {}
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the module's IAM role (terraform/bootstrap's permissions_boundary_arn); the CI apply role may only create roles that carry it. Null for none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN."
  }
}
