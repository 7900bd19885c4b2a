################################################################################
# Managed node group: the fixed system group (Karpenter, CoreDNS, platform add-ons);
# Karpenter adds and removes every other node
################################################################################

locals {
  system_node_labels = { "node-group" = "system" }
}

resource "aws_iam_role" "node" {
  name        = "${var.name}-node"
  description = "Worker nodes of ${var.name}"

  permissions_boundary = var.permissions_boundary_arn

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = var.tags
}

# No AmazonEKS_CNI_Policy here: the vpc-cni add-on gets it through Pod Identity, so no
# pod on the node inherits ENI-management rights.
resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset(["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"])

  role       = aws_iam_role.node.name
  policy_arn = "${local.aws_policy}/${each.key}"
}

data "aws_default_tags" "current" {}

locals {
  node_tags = merge(data.aws_default_tags.current.tags, var.tags, { Name = "${var.name}-node" })
}

resource "aws_launch_template" "node" {
  name_prefix            = "${var.name}-node-"
  description            = "Nodes of ${var.name}: IMDSv2 only, encrypted gp3 root volume"
  update_default_version = true

  # Hop limit 1: the IMDS answer cannot cross the extra network hop into a pod, so pods
  # cannot read the node role's credentials.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = var.node_disk_size_gib
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  # The node group launches instances and volumes outside Terraform, so the provider's
  # default_tags never reach them: they get their tags from these specifications only.
  dynamic "tag_specifications" {
    for_each = toset(["instance", "volume"])

    content {
      resource_type = tag_specifications.value
      tags          = local.node_tags
    }
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

# Carries the egress path's IDs into the graph: the node group below depends on it, so it is
# created after the NAT routes or the VPC endpoints, and destroyed before them.
resource "terraform_data" "node_egress" {
  input = var.node_egress_dependencies
}

resource "aws_eks_node_group" "default" {
  cluster_name           = aws_eks_cluster.this.name
  node_group_name_prefix = "${var.name}-"
  node_role_arn          = aws_iam_role.node.arn
  subnet_ids             = var.private_subnet_ids
  version                = aws_eks_cluster.this.version

  ami_type       = var.node_ami_type
  capacity_type  = var.node_capacity_type
  instance_types = var.node_instance_types

  # Karpenter's controller is pinned to these nodes (platform/karpenter/values.yaml), so it
  # never runs on a node it may consolidate away.
  labels = local.system_node_labels

  launch_template {
    id      = aws_launch_template.node.id
    version = aws_launch_template.node.latest_version
  }

  scaling_config {
    min_size     = var.node_size.min
    desired_size = var.node_size.desired
    max_size     = var.node_size.max
  }

  update_config {
    max_unavailable = var.node_max_unavailable
  }

  tags = var.tags

  lifecycle {
    # Instance-type changes replace the group; a name prefix lets the new one come up first.
    create_before_destroy = true
    # desired_size is an initial value; afterwards the cluster (or an autoscaler) owns it.
    ignore_changes = [scaling_config[0].desired_size]
  }

  # Nodes only become Ready once the CNI and the Pod Identity agent are there.
  depends_on = [
    aws_iam_role_policy_attachment.node,
    aws_eks_addon.before_nodes,
    terraform_data.node_egress,
  ]
}
