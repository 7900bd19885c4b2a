#!/usr/bin/env bash
# Verifies that IMAGE_REPOSITORY@IMAGE_DIGEST carries a build provenance attestation signed
# keylessly by this repository's app workflow on main (what `make verify-image` runs before a
# digest may be deployed). An unsigned digest, or one signed by another repository, another
# workflow or another branch, fails.
#
# Inputs (environment):
#   IMAGE_REPOSITORY   registry/repository, no tag (ECR_REPOSITORY_URL)
#   IMAGE_DIGEST       sha256:<64 hex>
#   GITHUB_REPOSITORY  owner/name of this repository (set by GitHub Actions)
#   GH_TOKEN           a token that may read the repository's attestations
# The registry must be logged in (docker credentials): gh reads the image's manifest from it.
set -euo pipefail

die() { printf 'verify-image: error: %s\n' "$*" >&2; exit 2; }

# The one workflow that builds and attests the image, and the one branch it may come from.
signer_workflow=.github/workflows/app.yml
source_ref=refs/heads/main

repository=${IMAGE_REPOSITORY:-}
digest=${IMAGE_DIGEST:-}
owner_repo=${GITHUB_REPOSITORY:-}
[[ "$repository" =~ ^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+$ ]] ||
  die "IMAGE_REPOSITORY='$repository' is not a registry/repository without tag or digest"
[[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || die "IMAGE_DIGEST='$digest' is not sha256:<64 hex>"
[[ "$owner_repo" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] ||
  die "GITHUB_REPOSITORY='$owner_repo' is not owner/name"
command -v gh >/dev/null || die "'gh' is not on PATH (the GitHub CLI)"

if ! gh attestation verify "oci://$repository@$digest" \
  --repo "$owner_repo" \
  --signer-workflow "$owner_repo/$signer_workflow" \
  --source-ref "$source_ref" \
  --predicate-type https://slsa.dev/provenance/v1; then
  die "$repository@$digest has no provenance attestation from $owner_repo/$signer_workflow on $source_ref: it is not deployed"
fi
printf 'verify-image: %s@%s was built and attested by %s/%s on %s\n' \
  "$repository" "$digest" "$owner_repo" "$signer_workflow" "$source_ref"
