variable "name" {
  description = "Name of the CodeBuild project; jobs select it with runs-on: codebuild-<name>-<run id>-<run attempt>. Also the prefix of its role, security group and log group."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{1,62}$", var.name)) && !endswith(var.name, "-")
    error_message = "name must start with a letter, hold only letters, digits and hyphens, not end with a hyphen, and be 2 to 63 characters."
  }
}

variable "github_repository" {
  description = "The GitHub repository (owner/name) whose workflow jobs this runner takes."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be owner/name, for example my-org/devops-eks."
  }
}

variable "codeconnections_arn" {
  description = "ARN of an AVAILABLE CodeConnections (or older CodeStar Connections) connection to GitHub: the connection is created in the console and authorised there once. Set this or github_token_secret_arn."
  type        = string
  default     = null

  validation {
    condition     = var.codeconnections_arn == null || can(regex("^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:[0-9]{12}:connection/[0-9a-f-]+$", var.codeconnections_arn))
    error_message = "codeconnections_arn must be a CodeConnections connection ARN (arn:aws:codeconnections:<region>:<account>:connection/<id>)."
  }
}

variable "github_token_secret_arn" {
  description = "ARN of a Secrets Manager secret holding a GitHub token for the repository (fine-grained: Administration and Webhooks read/write, Actions read). Set this or codeconnections_arn."
  type        = string
  default     = null

  validation {
    condition     = var.github_token_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.github_token_secret_arn))
    error_message = "github_token_secret_arn must be a Secrets Manager secret ARN."
  }

  validation {
    condition     = (var.github_token_secret_arn == null) != (var.codeconnections_arn == null)
    error_message = "Give exactly one source credential: codeconnections_arn (preferred, no long-lived token) or github_token_secret_arn."
  }
}

variable "workflow_name_pattern" {
  description = "Regular expression on the workflow name: only jobs of matching workflows start a build. The deploy workflow (name: app) by default, so no other workflow's jobs run inside the VPC."
  type        = string
  default     = "^app$"

  validation {
    condition     = length(var.workflow_name_pattern) > 0 && can(regexall(var.workflow_name_pattern, ""))
    error_message = "workflow_name_pattern must be a valid regular expression."
  }
}

variable "vpc_id" {
  description = "VPC of the cluster."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the runner's build containers start in (they need a NAT route to reach GitHub)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "subnet_ids needs at least one private subnet."
  }
}

variable "compute_type" {
  description = "CodeBuild compute type of each job's container."
  type        = string
  default     = "BUILD_GENERAL1_SMALL"

  validation {
    condition     = contains(["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"], var.compute_type)
    error_message = "compute_type must be BUILD_GENERAL1_SMALL, BUILD_GENERAL1_MEDIUM or BUILD_GENERAL1_LARGE."
  }
}

variable "image" {
  description = "Image each job runs in (CodeBuild-managed by default). The deploy job needs git, make, curl, python3, the AWS CLI and gh in it; check them when changing it."
  type        = string
  default     = "aws/codebuild/amazonlinux-x86_64-standard:5.0"
}

variable "job_timeout_minutes" {
  description = "Hard limit of one job (the deploy job's own timeout is 60 minutes)."
  type        = number
  default     = 75

  validation {
    condition     = var.job_timeout_minutes >= 5 && var.job_timeout_minutes <= 480 && floor(var.job_timeout_minutes) == var.job_timeout_minutes
    error_message = "job_timeout_minutes must be a whole number from 5 to 480."
  }
}

variable "log_retention_days" {
  description = "Retention of the runner's log group, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN that encrypts the runner's log group (its policy must allow the CloudWatch Logs service)."
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

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the module's IAM role (terraform/bootstrap's permissions_boundary_arn); the CI apply role may only create roles that carry it. Null for none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN."
  }
}
