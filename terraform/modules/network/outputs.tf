output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "availability_zones" {
  description = "AZs the subnets span, in subnet order."
  value       = local.azs
}

output "public_subnet_ids" {
  description = "Public subnets (one per AZ), tagged kubernetes.io/role/elb; for the NLB only."
  value       = [for az in local.azs : aws_subnet.public[az].id]
}

output "private_subnet_ids" {
  description = "Private subnets (one per AZ), tagged kubernetes.io/role/internal-elb; for the control-plane ENIs, nodes and pods."
  value       = [for az in local.azs : aws_subnet.private[az].id]
}

output "public_subnet_cidrs" {
  description = "CIDRs of the public subnets, in subnet order (NLB nodes send from these addresses)."
  value       = [for az in local.azs : aws_subnet.public[az].cidr_block]
}

output "nat_gateway_ids" {
  description = "NAT gateways: none, one, or one per AZ depending on nat_mode."
  value       = [for az in local.nat_azs : aws_nat_gateway.this[az].id]
}

output "private_route_table_ids" {
  description = "Route tables of the private subnets, in subnet order."
  value       = [for az in local.azs : aws_route_table.private[az].id]
}

output "flow_log_group_name" {
  description = "CloudWatch log group of the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}

output "interface_endpoint_services" {
  description = "Short names of the interface endpoints in the private subnets (empty when enable_interface_endpoints is false)."
  value       = sort(keys(aws_vpc_endpoint.interface))
}

output "egress_dependencies" {
  description = "IDs of the private subnets' way out (NAT default routes, the S3 gateway and the interface endpoints); the node group waits for them."
  value = concat(
    [for r in values(aws_route.private_nat) : r.id],
    [for e in aws_vpc_endpoint.s3 : e.id],
    [for e in values(aws_vpc_endpoint.interface) : e.id],
  )
}

output "flow_log_role_permissions_boundary" {
  description = "Permissions boundary of the flow-log role (null if none)."
  # IAM reads an unset boundary back as "", which would make every plan after the apply show this
  # output changing from null: normalise both to null.
  value = try(coalesce(aws_iam_role.flow_logs.permissions_boundary), null)
}
