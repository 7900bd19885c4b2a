output "app_url" {
  description = "URL of the app through the NLB: https when a certificate is set (point a DNS name covered by it at dns_name), http otherwise."
  value       = "${var.certificate_arn == null ? "http" : "https"}://${aws_lb.this.dns_name}"
}

output "dns_name" {
  description = "DNS name of the NLB."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Route 53 zone id of the NLB, for an alias record."
  value       = aws_lb.this.zone_id
}

output "arn" {
  description = "ARN of the NLB."
  value       = aws_lb.this.arn
}

output "target_group_arn" {
  description = "ARN of the ip target group the chart's TargetGroupBinding registers pods into."
  value       = aws_lb_target_group.app.arn
}

output "security_group_id" {
  description = "Security group of the NLB."
  value       = aws_security_group.nlb.id
}

output "subnet_ids" {
  description = "Subnets the NLB spans."
  value       = aws_lb.this.subnets
}
