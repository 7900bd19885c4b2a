variable "name" {
  description = "Repository name (the app's image is `webapp`)."
  type        = string
  default     = "webapp"

  validation {
    condition     = can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", var.name)) && length(var.name) <= 256
    error_message = "name must be a valid ECR repository name: lowercase letters, digits, and . _ - / separators."
  }
}

variable "keep_last_images" {
  description = "How many images (any tag) the lifecycle policy keeps; older ones expire."
  type        = number
  default     = 30

  validation {
    condition     = var.keep_last_images >= 1 && var.keep_last_images <= 1000 && floor(var.keep_last_images) == var.keep_last_images
    error_message = "keep_last_images must be a whole number from 1 to 1000."
  }
}

variable "untagged_expiry_days" {
  description = "Days after which untagged images (leftover layers of failed pushes, superseded manifests) expire."
  type        = number
  default     = 7

  validation {
    condition     = var.untagged_expiry_days >= 1 && var.untagged_expiry_days <= 365 && floor(var.untagged_expiry_days) == var.untagged_expiry_days
    error_message = "untagged_expiry_days must be a whole number from 1 to 365."
  }
}

variable "force_delete" {
  description = "Let `terraform destroy` delete the repository while it still holds images. Apply it as true before a teardown."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Extra tags for every resource in this module."
  type        = map(string)
  default     = {}
}
