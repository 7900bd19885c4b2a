# Plans the load balancer against a mocked AWS provider.

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_lb" {
    defaults = {
      arn      = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/devops-eks-cluster/0123456789abcdef"
      dns_name = "devops-eks-cluster-0123456789abcdef.elb.eu-west-1.amazonaws.com"
    }
  }

  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/devops-eks-cluster/0123456789abcdef" }
  }

  mock_resource "aws_security_group" {
    defaults = { id = "sg-0nlb" }
  }
}

variables {
  name                   = "devops-eks-cluster"
  vpc_id                 = "vpc-0123456789abcdef0"
  public_subnet_ids      = ["subnet-pub-a", "subnet-pub-b", "subnet-pub-c"]
  node_security_group_id = "sg-0nodes"
}

run "internet_facing_nlb_to_ip_targets" {
  command = plan

  assert {
    condition     = aws_lb.this.load_balancer_type == "network" && aws_lb.this.internal == false && toset(aws_lb.this.subnets) == toset(var.public_subnet_ids)
    error_message = "The NLB must be internet-facing and live in the public subnets only."
  }

  assert {
    condition     = aws_lb_target_group.app.target_type == "ip" && aws_lb_target_group.app.port == 8080 && aws_lb_target_group.app.protocol == "TCP"
    error_message = "The target group must be type ip, TCP port 8080."
  }

  assert {
    condition = (
      aws_lb_target_group.app.health_check[0].protocol == "HTTP" &&
      aws_lb_target_group.app.health_check[0].port == "9090" &&
      aws_lb_target_group.app.health_check[0].path == "/readyz"
    )
    error_message = "Health checks must be HTTP /readyz on port 9090."
  }

  assert {
    condition     = aws_lb_listener.tcp.port == 80 && aws_lb_listener.tcp.protocol == "TCP" && aws_lb_listener.tcp.default_action[0].target_group_arn == aws_lb_target_group.app.arn && length(aws_lb_listener.tls) == 0
    error_message = "Without a certificate there is one TCP 80 listener forwarding to the target group."
  }

  assert {
    condition     = output.app_url == "http://devops-eks-cluster-0123456789abcdef.elb.eu-west-1.amazonaws.com" && output.target_group_arn == aws_lb_target_group.app.arn
    error_message = "app_url must be http://<NLB DNS name>; target_group_arn must be the target group."
  }
}

run "nlb_reaches_pods_on_app_ports_only" {
  command = plan

  assert {
    condition     = { for k, r in aws_vpc_security_group_egress_rule.to_pods : k => [r.from_port, r.to_port, r.referenced_security_group_id] } == { http = [8080, 8080, "sg-0nodes"], admin = [9090, 9090, "sg-0nodes"] }
    error_message = "The NLB may send only to ports 8080 and 9090 of the node/pod security group."
  }

  assert {
    condition     = { for k, r in aws_vpc_security_group_ingress_rule.pods_from_nlb : k => [r.security_group_id, r.from_port, r.to_port, r.referenced_security_group_id] } == { http = ["sg-0nodes", 8080, 8080, "sg-0nlb"], admin = ["sg-0nodes", 9090, 9090, "sg-0nlb"] }
    error_message = "Pods must accept the NLB on 8080 and 9090 only."
  }

  assert {
    condition     = [for r in aws_vpc_security_group_ingress_rule.clients : [r.from_port, r.cidr_ipv4]] == [[80, "0.0.0.0/0"]]
    error_message = "Clients reach port 80 only when no certificate is set."
  }
}

run "tls_listener_with_certificate" {
  command = plan

  variables {
    certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100"
    ingress_cidrs   = ["198.51.100.0/24"]
  }

  assert {
    condition     = aws_lb_listener.tls[0].port == 443 && aws_lb_listener.tls[0].protocol == "TLS" && aws_lb_listener.tls[0].certificate_arn == var.certificate_arn && aws_lb_listener.tls[0].default_action[0].target_group_arn == aws_lb_target_group.app.arn
    error_message = "With a certificate, a TLS 443 listener forwards to the same target group."
  }

  assert {
    condition     = toset([for r in aws_vpc_security_group_ingress_rule.clients : "${r.from_port} ${r.cidr_ipv4}"]) == toset(["80 198.51.100.0/24", "443 198.51.100.0/24"])
    error_message = "Clients from ingress_cidrs reach ports 80 and 443."
  }

  assert {
    condition     = startswith(output.app_url, "https://")
    error_message = "app_url must be https when a certificate is set."
  }
}

run "rejects_bad_certificate_arn" {
  command = plan

  variables {
    certificate_arn = "arn:aws:iam::123456789012:server-certificate/app"
  }

  expect_failures = [var.certificate_arn]
}

run "rejects_bad_ingress_cidr" {
  command = plan

  variables {
    ingress_cidrs = ["0.0.0.0"]
  }

  expect_failures = [var.ingress_cidrs]
}

run "rejects_single_subnet" {
  command = plan

  variables {
    public_subnet_ids = ["subnet-pub-a"]
  }

  expect_failures = [var.public_subnet_ids]
}

run "rejects_long_name" {
  command = plan

  variables {
    name = "a-load-balancer-name-that-is-too-long"
  }

  expect_failures = [var.name]
}

run "rejects_bad_ports_and_path" {
  command = plan

  variables {
    target_port       = 0
    health_check_port = 70000
    health_check_path = "readyz"
  }

  expect_failures = [var.target_port, var.health_check_port, var.health_check_path]
}

run "rejects_bad_deregistration_delay" {
  command = plan

  variables {
    deregistration_delay_seconds = -1
  }

  expect_failures = [var.deregistration_delay_seconds]
}

# The name rule shared by every config: no trailing hyphen, at most 28 characters (29 refused).
run "rejects_name_with_trailing_hyphen" {
  command = plan

  variables {
    name = "webapp-"
  }

  expect_failures = [var.name]
}

run "rejects_name_of_29_characters" {
  command = plan

  variables {
    name = "a2345678901234567890123456789"
  }

  expect_failures = [var.name]
}

run "accepts_name_of_28_characters" {
  command = plan

  variables {
    name = "a234567890123456789012345678"
  }
}
