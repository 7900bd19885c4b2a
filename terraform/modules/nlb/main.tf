locals {
  listener_ports = var.certificate_arn == null ? [80] : [80, 443]
  client_rules   = { for pair in setproduct(local.listener_ports, var.ingress_cidrs) : "${pair[0]}-${pair[1]}" => { port = pair[0], cidr = pair[1] } }
  pod_ports      = { http = var.target_port, admin = var.health_check_port }
}

################################################################################
# Security groups: clients -> NLB -> pods (8080 traffic, 9090 health checks)
################################################################################

resource "aws_security_group" "nlb" {
  name_prefix = "${var.name}-nlb-"
  description = "Internet-facing NLB of ${var.name}"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-nlb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  #checkov:skip=CKV_AWS_260:The app is public; port 80 is open to ingress_cidrs (the internet by default) by design.
  for_each = local.client_rules

  security_group_id = aws_security_group.nlb.id
  description       = "Clients to listener ${each.value.port}"
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = each.value.cidr
}

resource "aws_vpc_security_group_egress_rule" "to_pods" {
  for_each = local.pod_ports

  security_group_id            = aws_security_group.nlb.id
  description                  = "NLB to pod port ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  referenced_security_group_id = var.node_security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "pods_from_nlb" {
  for_each = local.pod_ports

  security_group_id            = var.node_security_group_id
  description                  = "NLB ${var.name} to pod port ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  referenced_security_group_id = aws_security_group.nlb.id
}

################################################################################
# Load balancer
################################################################################

resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_20:Applies to ALBs; an NLB forwards TCP and cannot redirect HTTP. TLS is served on 443 when certificate_arn is set.
  #checkov:skip=CKV_AWS_91:Access logs need a dedicated S3 bucket with an ELB delivery policy; flow logs cover the VPC side. Add one for production audits.
  #checkov:skip=CKV_AWS_150:Deletion protection is a variable, off by default so a teardown removes the NLB before the VPC.
  name                             = var.name
  internal                         = false
  load_balancer_type               = "network"
  subnets                          = var.public_subnet_ids
  security_groups                  = [aws_security_group.nlb.id]
  enable_cross_zone_load_balancing = true
  enable_deletion_protection       = var.enable_deletion_protection

  tags = var.tags
}

resource "aws_lb_target_group" "app" {
  name                 = var.name
  vpc_id               = var.vpc_id
  target_type          = "ip"
  protocol             = "TCP"
  port                 = var.target_port
  deregistration_delay = var.deregistration_delay_seconds

  # Pods see NLB addresses (from the public subnets), which is what the chart's
  # NetworkPolicy allows; keep it explicit so that stays true.
  preserve_client_ip = false

  health_check {
    enabled             = true
    protocol            = "HTTP"
    port                = tostring(var.health_check_port)
    path                = var.health_check_path
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }

  tags = var.tags
}

resource "aws_lb_listener" "tcp" {
  #checkov:skip=CKV_AWS_2:Plain TCP 80 stays open for clients without TLS; 443 with TLS is added when certificate_arn is set.
  #checkov:skip=CKV_AWS_103:Same listener as CKV_AWS_2: TCP passthrough has no TLS version to set.
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }

  tags = var.tags
}

resource "aws_lb_listener" "tls" {
  count = var.certificate_arn == null ? 0 : 1

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "TLS"
  certificate_arn   = var.certificate_arn
  ssl_policy        = var.tls_policy

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }

  tags = var.tags
}
