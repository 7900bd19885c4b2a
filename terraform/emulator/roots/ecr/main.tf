# modules/ecr as a root on the emulator.
terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"

  default_tags {
    tags = { Project = "devops-eks", ManagedBy = "terraform" }
  }
}

variable "force_delete" {
  description = "Passed to modules/ecr."
  type        = bool
}

module "ecr" {
  source = "../../../modules/ecr"

  name         = "webapp"
  force_delete = var.force_delete
}

output "ecr" {
  description = "Every output of modules/ecr."
  value       = module.ecr
}
