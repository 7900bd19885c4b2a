# Plans the ECR pull-through cache against a mocked AWS provider: one rule per public registry
# the platform pulls from, credentials where the upstream needs them, and the pullers' rights.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
}

variables {
  docker_hub_credential_arn                = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
  github_container_registry_credential_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/ghcr-AbCdEf"
  puller_role_names                        = ["devops-eks-cluster-node"]
}

run "one_rule_per_public_registry" {
  command = plan

  assert {
    condition = { for k, r in aws_ecr_pull_through_cache_rule.this : k => r.upstream_registry_url } == {
      "quay.io"         = "quay.io"
      "registry.k8s.io" = "registry.k8s.io"
      "public.ecr.aws"  = "public.ecr.aws"
      "docker.io"       = "registry-1.docker.io"
      "ghcr.io"         = "ghcr.io"
    } && aws_ecr_pull_through_cache_rule.this["docker.io"].credential_arn == var.docker_hub_credential_arn && aws_ecr_pull_through_cache_rule.this["ghcr.io"].credential_arn == var.github_container_registry_credential_arn
    error_message = "Each public registry gets a rule under a namespace named after it; Docker Hub and ghcr.io use their credentials."
  }

  assert {
    condition     = output.registry == "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    error_message = "The cache is served by the account's regional ECR registry."
  }
}

run "pullers_may_fill_the_cache_namespaces_only" {
  command = plan

  assert {
    condition = jsondecode(aws_iam_role_policy.pull_through["devops-eks-cluster-node"].policy).Statement == [{
      Sid    = "FillTheCacheOnFirstPull"
      Effect = "Allow"
      Action = ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"]
      Resource = [
        "arn:aws:ecr:eu-west-1:123456789012:repository/docker.io/*",
        "arn:aws:ecr:eu-west-1:123456789012:repository/ghcr.io/*",
        "arn:aws:ecr:eu-west-1:123456789012:repository/public.ecr.aws/*",
        "arn:aws:ecr:eu-west-1:123456789012:repository/quay.io/*",
        "arn:aws:ecr:eu-west-1:123456789012:repository/registry.k8s.io/*",
      ]
    }]
    error_message = "The node role may import and create repositories under the cache namespaces, nowhere else."
  }
}

run "rejects_secrets_ecr_cannot_read" {
  command = plan

  variables {
    docker_hub_credential_arn                = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:docker-hub-AbCdEf"
    github_container_registry_credential_arn = "ghcr-token"
  }

  expect_failures = [var.docker_hub_credential_arn, var.github_container_registry_credential_arn]
}
