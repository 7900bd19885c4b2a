# Per-account inputs of the bootstrap; the shared ones (region, cluster name, ECR repository,
# parameter prefix) are in terraform/settings.auto.tfvars.json. Fill both in before the first
# `make bootstrap-apply`: the empty values are refused with the rule they break.

# Globally unique: include the account id, e.g. "123456789012-devops-eks-tfstate".
state_bucket_name = ""

# This repository, owner/name: the only one whose workflows may assume the CI roles.
github_repository = ""

# Only when this repository's OIDC tokens carry the immutable subject form
# repo:OWNER-OWNERID/REPO-REPOID (docs/deploy.md, "One-time GitHub set-up", shows how to tell):
# github_owner_id      = "<gh api repos/OWNER/REPO --jq .owner.id>"
# github_repository_id = "<gh api repos/OWNER/REPO --jq .id>"
