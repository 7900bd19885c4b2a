data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  # Each cache namespace is the upstream registry's own host name, so an image moves to the
  # cache by prefixing it: quay.io/prometheus/prometheus -> <registry>/quay.io/prometheus/prometheus.
  upstreams = {
    "quay.io"         = { url = "quay.io", credential_arn = null }
    "registry.k8s.io" = { url = "registry.k8s.io", credential_arn = null }
    "public.ecr.aws"  = { url = "public.ecr.aws", credential_arn = null }
    "docker.io"       = { url = "registry-1.docker.io", credential_arn = var.docker_hub_credential_arn }
    "ghcr.io"         = { url = "ghcr.io", credential_arn = var.github_container_registry_credential_arn }
  }

  registry = "${data.aws_caller_identity.current.account_id}.dkr.ecr.${data.aws_region.current.name}.amazonaws.com"
}

resource "aws_ecr_pull_through_cache_rule" "this" {
  for_each = local.upstreams

  ecr_repository_prefix = each.key
  upstream_registry_url = each.value.url
  credential_arn        = each.value.credential_arn
}

resource "aws_iam_role_policy" "pull_through" {
  for_each = toset(var.puller_role_names)

  name = "ecr-pull-through-cache"
  role = each.value

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid    = "FillTheCacheOnFirstPull"
      Effect = "Allow"
      Action = ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"]
      Resource = [
        for prefix in keys(local.upstreams) :
        "arn:${data.aws_partition.current.partition}:ecr:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:repository/${prefix}/*"
      ]
    }]
  })
}
