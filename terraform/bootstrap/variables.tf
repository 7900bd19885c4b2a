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

variable "github_owner_id" {
  description = "Numeric id of the repository's owner (`gh api repos/OWNER/REPO --jq .owner.id`). Set it, with github_repository_id, when the repository's OIDC tokens carry the immutable subject form repo:OWNER-OWNERID/REPO-REPOID; null trusts the name form repo:OWNER/REPO."
  type        = string
  default     = null

  validation {
    condition     = var.github_owner_id == null || can(regex("^[1-9][0-9]{0,19}$", var.github_owner_id))
    error_message = "github_owner_id must be the owner's numeric id (gh api repos/OWNER/REPO --jq .owner.id)."
  }
}

variable "github_repository_id" {
  description = "Numeric id of the repository (`gh api repos/OWNER/REPO --jq .id`); set together with github_owner_id for the immutable subject form."
  type        = string
  default     = null

  validation {
    condition     = var.github_repository_id == null || can(regex("^[1-9][0-9]{0,19}$", var.github_repository_id))
    error_message = "github_repository_id must be the repository's numeric id (gh api repos/OWNER/REPO --jq .id)."
  }

  validation {
    condition     = (var.github_repository_id == null) == (var.github_owner_id == null)
    error_message = "Set github_owner_id and github_repository_id together (immutable subject form) or neither (name form): the subject holds both ids or none."
  }
}

variable "github_environments" {
  description = "GitHub environment of each CI job; each role trusts only its own, so the names must differ. plan: main-branch plans and the drift check; apply: terraform apply; ecr_push: the image build; platform_sync: the platform releases; deploy: the app release."
  type = object({
    plan          = optional(string, "infra-plan")
    apply         = optional(string, "infra-apply")
    ecr_push      = optional(string, "image-push")
    platform_sync = optional(string, "platform-sync")
    deploy        = optional(string, "production")
  })
  default = {}

  validation {
    condition     = alltrue([for name in values(var.github_environments) : can(regex("^[A-Za-z0-9._-]{1,255}$", name))])
    error_message = "github_environments must be GitHub environment names without spaces, colons or wildcards."
  }

  validation {
    condition     = length(distinct([for name in values(var.github_environments) : lower(name)])) == length(values(var.github_environments))
    error_message = "github_environments must all differ (GitHub compares them case-insensitively): two jobs sharing an environment could assume each other's roles."
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

variable "cluster_name" {
  description = "Name of the EKS cluster that terraform/live creates. Scopes the deploy role and the IAM names the apply role may manage. Set in terraform/settings.auto.tfvars.json."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z]([a-zA-Z0-9-]{0,26}[a-zA-Z0-9])?$", var.cluster_name))
    error_message = "cluster_name must start with a letter, hold only letters, digits and hyphens, not end with a hyphen, and be at most 28 characters (the NLB and target group reuse it, 32 characters at most, and IAM role names derived from it stay under 64)."
  }
}

variable "ecr_repository_name" {
  description = "Name of the one ECR repository the ECR push role may push to. Set in terraform/settings.auto.tfvars.json."
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
