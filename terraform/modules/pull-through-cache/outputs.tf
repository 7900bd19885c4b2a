output "registry" {
  description = "The account's ECR registry host that serves the cache; images move there as <registry>/<upstream host>/<path>."
  value       = local.registry
}

output "upstream_registries" {
  description = "Upstream registry hosts the cache serves, each under a namespace of the same name."
  value       = sort(keys(aws_ecr_pull_through_cache_rule.this))
}
