variable "aws_region" {
  description = "Region of the state bucket, its KMS key and the whole platform. Set in terraform/settings.auto.tfvars.json, which terraform/live reads too."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like an AWS region code, for example eu-west-1."
  }
}

variable "state_bucket_name" {
  description = "Name of the S3 bucket that holds the Terraform state. Globally unique, so include the account id or an org prefix."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.state_bucket_name)) && !can(regex("--", var.state_bucket_name))
    error_message = "state_bucket_name must be 3-63 characters of lowercase letters, digits and single hyphens, starting and ending with a letter or digit."
  }
}

variable "state_key" {
  description = "Object key of the platform state (terraform/live) inside the bucket."
  type        = string
  default     = "live/terraform.tfstate"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.*'()/-]+\\.tfstate$", var.state_key)) && !startswith(var.state_key, "/")
    error_message = "state_key must be a relative S3 key ending in .tfstate, for example live/terraform.tfstate."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days an overwritten state version is kept before S3 expires it (the window in which a bad apply can be rolled back)."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_expiration_days >= 7 && var.noncurrent_version_expiration_days <= 3650 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number from 7 to 3650."
  }
}

variable "github_repository" {
  description = "The one GitHub repository (owner/name) whose workflows may assume the CI roles."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be owner/name, for example my-org/devops-eks."
  }
}

variable "github_oidc_subject_prefix" {
  description = "Override of the `repo:OWNER/NAME` part of the OIDC sub claim, for repositories that use immutable subject claims with numeric ids. Null means repo:<github_repository>."
  type        = string
  default     = null

  validation {
    condition     = var.github_oidc_subject_prefix == null || can(regex("^repo:[^:*?]+$", var.github_oidc_subject_prefix))
    error_message = "github_oidc_subject_prefix must start with repo: and contain no further colon or wildcard."
  }
}

variable "github_oidc_provider_arn" {
  description = "ARN of an existing token.actions.githubusercontent.com OIDC provider (an account holds only one). Null creates it."
  type        = string
  default     = null

  validation {
    condition     = var.github_oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.github_oidc_provider_arn))
    error_message = "github_oidc_provider_arn must be the ARN of the token.actions.githubusercontent.com OIDC provider."
  }
}

variable "main_branch" {
  description = "Branch whose push and scheduled runs may assume the plan and ECR push roles."
  type        = string
  default     = "main"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]{1,255}$", var.main_branch)) && !strcontains(var.main_branch, "..")
    error_message = "main_branch must be a branch name without spaces, colons or wildcards."
  }
}

variable "apply_environment" {
  description = "GitHub environment whose jobs may assume the apply role."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,255}$", var.apply_environment))
    error_message = "apply_environment must be a GitHub environment name without spaces, colons or wildcards."
  }
}

variable "deploy_environment" {
  description = "GitHub environment whose jobs may assume the deploy role."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,255}$", var.deploy_environment))
    error_message = "deploy_environment must be a GitHub environment name without spaces, colons or wildcards."
  }
}

variable "cluster_name" {
  description = "Name of the EKS cluster that terraform/live creates. Scopes the deploy role and the IAM names the apply role may manage. Set in terraform/settings.auto.tfvars.json."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z]([a-zA-Z0-9-]{0,26}[a-zA-Z0-9])?$", var.cluster_name))
    error_message = "cluster_name must start with a letter, hold only letters, digits and hyphens, not end with a hyphen, and be at most 28 characters (the NLB and target group reuse it, 32 characters at most, and IAM role names derived from it stay under 64)."
  }
}

variable "ecr_repository_name" {
  description = "Name of the one ECR repository the deploy role may push to. Set in terraform/settings.auto.tfvars.json."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", var.ecr_repository_name))
    error_message = "ecr_repository_name must be a valid ECR repository name (lowercase, digits, . _ - and / separators)."
  }
}

variable "parameter_prefix" {
  description = "SSM path under which terraform/live publishes what the workflows read at run time; the CI roles may read this path only. Set in terraform/settings.auto.tfvars.json."
  type        = string

  validation {
    condition     = can(regex("^(/[A-Za-z0-9_.-]+)+$", var.parameter_prefix)) && !startswith(lower(var.parameter_prefix), "/aws") && !startswith(lower(var.parameter_prefix), "/ssm")
    error_message = "parameter_prefix must be an SSM path such as /devops-eks-cluster/platform: segments of letters, digits, _ . -, no trailing slash, not under /aws or /ssm."
  }
}

variable "tags" {
  description = "Tags added to every resource through the provider's default_tags."
  type        = map(string)
  default = {
    Project   = "devops-eks"
    ManagedBy = "terraform/bootstrap"
  }
}
