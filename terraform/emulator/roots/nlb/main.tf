# modules/nlb as a root on the emulator: the network it needs, and a security group standing in
# for the EKS cluster security group (moto's CreateCluster returns none).
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

variable "certificate_arn" {
  description = "Passed to modules/nlb: null serves HTTP only, an ARN adds the TLS listener."
  type        = string
  default     = null
}

module "log_key" {
  source = "../log-key"
}

module "network" {
  source = "../../../modules/network"

  name            = "emulator"
  az_count        = 2
  log_kms_key_arn = module.log_key.arn
}

resource "aws_security_group" "cluster" {
  #checkov:skip=CKV2_AWS_5:Stands in for the EKS cluster security group, which EKS attaches to the nodes; the emulator has none.
  name_prefix = "emulator-cluster-"
  description = "Stands in for the EKS cluster security group"
  vpc_id      = module.network.vpc_id
}

module "nlb" {
  source = "../../../modules/nlb"

  name                   = "emulator"
  vpc_id                 = module.network.vpc_id
  public_subnet_ids      = module.network.public_subnet_ids
  node_security_group_id = aws_security_group.cluster.id
  certificate_arn        = var.certificate_arn
}

output "nlb" {
  description = "Every output of modules/nlb."
  value       = module.nlb
}
