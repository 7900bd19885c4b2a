data "aws_partition" "current" {}

# Read with ec2:DescribeImages, which the read-only plan role has (it may not read SSM
# parameters), from Amazon's own images only.
data "aws_ami" "al2023" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = [var.ami_name_pattern]
  }

  filter {
    name   = "architecture"
    values = ["arm64"]
  }
}

################################################################################
# Security group: nothing comes in; Session Manager works over the agent's outbound HTTPS
################################################################################

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-bastion-"
  description = "Bastion ${var.name}: no inbound; HTTPS out to Session Manager and the cluster API"
  vpc_id      = var.vpc_id
  # Managed as empty: an inbound rule added by hand is removed on the next apply.
  ingress = []

  tags = merge(var.tags, { Name = "${var.name}-bastion" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to Session Manager and the cluster API"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"

  tags = var.tags
}

################################################################################
# Role: Session Manager only
################################################################################

resource "aws_iam_role" "this" {
  name        = "${var.name}-bastion"
  description = "Bastion ${var.name}: Session Manager only; operators authenticate to the cluster as themselves"

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

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "this" {
  name = "${var.name}-bastion"
  role = aws_iam_role.this.name

  tags = var.tags
}

################################################################################
# Instance
################################################################################

resource "aws_instance" "this" {
  #checkov:skip=CKV_AWS_126:Detailed monitoring costs extra and a TCP forwarder has nothing to watch at one-minute resolution.
  ami                         = data.aws_ami.al2023.id
  instance_type               = var.instance_type
  subnet_id                   = var.subnet_id
  vpc_security_group_ids      = [aws_security_group.this.id]
  iam_instance_profile        = aws_iam_instance_profile.this.name
  associate_public_ip_address = false
  ebs_optimized               = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type           = "gp3"
    encrypted             = true
    delete_on_termination = true
  }

  tags = merge(var.tags, { Name = "${var.name}-bastion" })

  lifecycle {
    # A new AMI would replace the instance under an open session; patch by replacing it on purpose.
    ignore_changes = [ami]
  }
}
