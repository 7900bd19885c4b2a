#!/usr/bin/env bash
# Is IMAGE_TAG already in the registry? (what `make image-lookup` runs, before the app workflow
# builds). Tags are immutable and every build's index digest differs (provenance), so a second
# push of a commit is refused: a re-run deploys the digest the first run pushed instead.
#
# Inputs (environment):
#   IMAGE_REPOSITORY  <account>.dkr.ecr.<region>.amazonaws.com/<name> (ECR_REPOSITORY_URL)
#   IMAGE_TAG         the commit SHA the image is tagged with
#   IMAGE_MUST_EXIST  true for a redeploy of an earlier commit: an image that is not there is
#                     an error, never a build (default false)
# Outputs (GITHUB_OUTPUT, and stdout): exists=true|false, digest=sha256:... when it exists.
set -euo pipefail

die() { printf 'image-lookup: error: %s\n' "$*" >&2; exit 2; }

repository=${IMAGE_REPOSITORY:-}
tag=${IMAGE_TAG:-}
[[ "$repository" =~ ^([0-9]{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/([a-z0-9._/-]+)$ ]] ||
  die "IMAGE_REPOSITORY='$repository' is not an ECR repository URL (<account>.dkr.ecr.<region>.amazonaws.com/<name>)"
registry_id=${BASH_REMATCH[1]}
name=${BASH_REMATCH[3]}
[[ "$tag" =~ ^[0-9a-f]{40}$ ]] || die "IMAGE_TAG='$tag' is not a full commit SHA"
must_exist=${IMAGE_MUST_EXIST:-false}
[[ "$must_exist" =~ ^(true|false)$ ]] || die "IMAGE_MUST_EXIST='$must_exist' is not true or false"
command -v aws >/dev/null || die "'aws' is not on PATH (install the AWS CLI v2)"

errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
status=0
digest=$(aws ecr describe-images --registry-id "$registry_id" --repository-name "$name" \
  --image-ids "imageTag=$tag" --query 'imageDetails[0].imageDigest' --output text 2>"$errors") ||
  status=$?

result() {
  printf '%s\n' "$@"
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then printf '%s\n' "$@" >>"$GITHUB_OUTPUT"; fi
}

if [[ "$status" -eq 0 ]]; then
  [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || die "the registry answered '$digest' for $name:$tag, not a digest"
  printf 'image-lookup: %s:%s is already pushed as %s: no new build\n' "$name" "$tag" "$digest" >&2
  result exists=true "digest=$digest"
elif grep -q 'ImageNotFoundException' "$errors" && [[ "$must_exist" == true ]]; then
  die "no image tagged $tag in $name: only a commit the app workflow built (and the lifecycle policy kept) can be redeployed"
elif grep -q 'ImageNotFoundException' "$errors"; then
  printf 'image-lookup: %s:%s is not in the registry yet: building it\n' "$name" "$tag" >&2
  result exists=false
else
  # Anything else (no access, throttling, no repository) must not be mistaken for "build it".
  cat "$errors" >&2
  die "could not ask the registry about $name:$tag (aws exit $status)"
fi
