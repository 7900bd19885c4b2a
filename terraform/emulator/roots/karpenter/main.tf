# modules/karpenter as a root on the emulator. moto's CreateCluster returns no cluster security
# group, so a group in the account's default VPC stands in for it (EKS creates that group and
# Terraform only tags it), and the cluster is named, not created: the module only needs its
# name and ARN.
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

data "aws_vpc" "default" {
  default = true
}

data "aws_caller_identity" "current" {}

resource "aws_security_group" "cluster" {
  #checkov:skip=CKV2_AWS_5:Stands in for the EKS cluster security group, which EKS attaches to the nodes; the emulator has none.
  name_prefix = "emulator-cluster-"
  description = "Stands in for the EKS cluster security group"
  vpc_id      = data.aws_vpc.default.id

  # The module adds its discovery tag to this group, as it does to the EKS-created one.
  lifecycle {
    ignore_changes = [tags]
  }
}

module "karpenter" {
  source = "../../../modules/karpenter"

  cluster_name           = "emulator"
  cluster_arn            = "arn:aws:eks:eu-west-1:${data.aws_caller_identity.current.account_id}:cluster/emulator"
  node_security_group_id = aws_security_group.cluster.id
}

# Output by output: a targeted apply leaves out an output of the whole module, which also
# depends on the resources moto lacks.
output "karpenter" {
  description = "The outputs of modules/karpenter."
  value = {
    controller_role_arn     = module.karpenter.controller_role_arn
    node_role_name          = module.karpenter.node_role_name
    interruption_queue_name = module.karpenter.interruption_queue_name
    discovery_tag           = module.karpenter.discovery_tag
  }
}

output "security_group_id" {
  description = "The stand-in cluster security group the discovery tag goes on."
  value       = aws_security_group.cluster.id
}
