variable "docker_hub_credential_arn" {
  description = "Secrets Manager secret (name starting with ecr-pullthroughcache/) holding {\"username\": ..., \"accessToken\": ...} of a Docker Hub account; Docker Hub refuses anonymous pulls through a cache."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:ecr-pullthroughcache/.+$", var.docker_hub_credential_arn))
    error_message = "docker_hub_credential_arn must be a Secrets Manager secret ARN whose name starts with ecr-pullthroughcache/ (ECR reads no other secret)."
  }
}

variable "github_container_registry_credential_arn" {
  description = "Secrets Manager secret (name starting with ecr-pullthroughcache/) holding {\"username\": ..., \"accessToken\": ...} with a GitHub token allowed to read packages; ghcr.io needs one for a cache."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:ecr-pullthroughcache/.+$", var.github_container_registry_credential_arn))
    error_message = "github_container_registry_credential_arn must be a Secrets Manager secret ARN whose name starts with ecr-pullthroughcache/ (ECR reads no other secret)."
  }
}

variable "puller_role_names" {
  description = "IAM roles that pull through the cache (the node role): they get the right to import upstream images into the cache's repositories, and to create those repositories, on the first pull."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Extra tags for every resource in this module."
  type        = map(string)
  default     = {}
}
