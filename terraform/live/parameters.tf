################################################################################
# Outputs the workflows read at run time
################################################################################

locals {
  # A covered DNS name when TLS is on: the certificate never covers the NLB's own name.
  app_host = coalesce(var.app_dns_name, module.nlb.dns_name)
  app_url  = "${var.certificate_arn == null ? "http" : "https"}://${local.app_host}"
  # Without NAT, Karpenter cannot reach the pricing API and must use its built-in prices.
  karpenter_isolated_vpc = var.nat_mode == "none"

  # Each value becomes <parameter_prefix>/<name>; deploy/platform_outputs.py turns them into
  # the upper-case environment variables of the build, deploy and smoke steps, and of the
  # platform sync the deploy runs (the karpenter_ values).
  # image_registry_cache exists only with the pull-through cache: an absent parameter is how the
  # platform sync learns that images come from their upstream registries.
  published_outputs = merge({
    ecr_repository_url  = module.ecr.repository_url
    target_group_arn    = module.nlb.target_group_arn
    public_subnet_cidrs = jsonencode(module.network.public_subnet_cidrs)
    vpc_id              = module.network.vpc_id
    app_url             = local.app_url
    # SSM stores strings: "true" or "false", as platform/karpenter/sync.sh reads it.
    karpenter_isolated_vpc       = tostring(local.karpenter_isolated_vpc)
    karpenter_node_role_name     = module.karpenter.node_role_name
    karpenter_interruption_queue = module.karpenter.interruption_queue_name
    }, var.pull_through_cache_credentials == null ? {} : {
    image_registry_cache = module.pull_through_cache[0].registry
  })
}

resource "aws_ssm_parameter" "published" {
  #checkov:skip=CKV2_AWS_34:Identifiers of resources (ARNs, ids, URLs), not secrets; String keeps them readable without a KMS grant. Access is limited by the CI roles' policies.
  for_each = local.published_outputs

  name        = "${var.parameter_prefix}/${each.key}"
  description = "terraform/live output ${each.key}, read by the workflows at run time"
  type        = "String"
  value       = each.value
}
