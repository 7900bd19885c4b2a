# modules/network as a root on the emulator, with the log key live/ gives it.
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

variable "nat_mode" {
  description = "Passed to modules/network."
  type        = string
}

variable "enable_interface_endpoints" {
  description = "Passed to modules/network."
  type        = bool
}

module "log_key" {
  source = "../log-key"
}

module "network" {
  source = "../../../modules/network"

  name                       = "emulator"
  nat_mode                   = var.nat_mode
  enable_interface_endpoints = var.enable_interface_endpoints
  log_kms_key_arn            = module.log_key.arn
}

output "network" {
  description = "Every output of modules/network."
  value       = module.network
}
