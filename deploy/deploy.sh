#!/usr/bin/env bash
# Deploys the webapp chart at one image digest to the EKS cluster (what `make deploy` runs).
#
#   1. kubeconfig for CLUSTER_NAME (aws eks update-kubeconfig)
#   2. the namespace must exist: the platform sync creates it, with its labels and the deploy
#      group's Role (the deploy role may edit that namespace only, so it cannot create it)
#   3. helm upgrade --install --rollback-on-failure --wait --timeout
#
# DRY_RUN=1 runs none of that: it renders with `helm template` and the very same argument list
# as step 3, so the offline test checks the flags a real deploy uses.
#
# Inputs (environment):
#   IMAGE_REPOSITORY   registry/repository, no tag (Terraform output ecr_repository_url)
#   IMAGE_DIGEST       sha256:<64 hex> of the pushed image
#   IMAGE_TAG          optional: the git SHA the image was tagged with (shown next to the digest)
#   TARGET_GROUP_ARN   Terraform output target_group_arn
#   PUBLIC_SUBNET_CIDRS  Terraform output public_subnet_cidrs as a JSON list: where the NLB
#                        health checks come from
#   CLUSTER_NAME, AWS_REGION   required unless DRY_RUN=1
#   NAMESPACE (webapp), RELEASE (webapp), HELM_TIMEOUT (10m), APP_URL (for the job summary)
#   MONITORING_NAMESPACE (platform/platform.env): passed to the chart; the platform sync reads
#                        the same default
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pinned_helm=$(sed -n 's/^HELM_VERSION=//p' "$root/tools/versions.env")
# shellcheck source=platform/platform.env
source "$root/platform/platform.env"

script=deploy
# shellcheck source=tools/lib.sh
source "$root/tools/lib.sh"
log() { printf 'deploy: %s\n' "$*"; }

dry_run=${DRY_RUN:-0}
namespace=${NAMESPACE:-webapp}
release=${RELEASE:-webapp}
helm_timeout=${HELM_TIMEOUT:-10m}
image_tag=${IMAGE_TAG:-}
monitoring_namespace=${MONITORING_NAMESPACE:-$PLATFORM_MONITORING_NAMESPACE}

[[ "$dry_run" =~ ^[01]$ ]] || die "DRY_RUN must be 0 or 1, got '$dry_run'"
require IMAGE_REPOSITORY '^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+$' 'a registry/repository without tag or digest'
require IMAGE_DIGEST '^sha256:[0-9a-f]{64}$' 'an image digest, sha256:<64 hex>'
require TARGET_GROUP_ARN '^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/[A-Za-z0-9-]+/[0-9a-f]+$' 'a target group ARN'
cidr='"[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}"'
require PUBLIC_SUBNET_CIDRS "^\\[ *$cidr( *, *$cidr)* *\\]\$" 'a JSON list of CIDRs like ["10.0.0.0/24"]'
[[ -z "$image_tag" || "$image_tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "IMAGE_TAG='$image_tag' is not a valid image tag"
[[ "$namespace" =~ ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ ]] || die "NAMESPACE='$namespace' is not a namespace name"
[[ "$release" =~ ^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$ ]] || die "RELEASE='$release' is not a release name"
[[ "$monitoring_namespace" =~ ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ ]] ||
  die "MONITORING_NAMESPACE='$monitoring_namespace' is not a namespace name"
[[ "$helm_timeout" =~ ^[0-9]+[smh]$ ]] || die "HELM_TIMEOUT='$helm_timeout' is not a duration like 10m"

need helm
helm_version=$(helm version --template '{{.Version}}')
[[ "$helm_version" == "$pinned_helm" ]] ||
  die "helm is $helm_version, the pin is $pinned_helm (tools/versions.env): flags differ between majors"

# Built once: the real deploy and the DRY_RUN render both use exactly this list.
helm_args=(
  "$release" "$root/charts/webapp"
  --namespace "$namespace"
  --set-string "image.repository=$IMAGE_REPOSITORY"
  --set-string "image.digest=$IMAGE_DIGEST"
  --set-string "image.tag=$image_tag"
  --set-string "targetGroupBinding.targetGroupARN=$TARGET_GROUP_ARN"
  --set-json "loadBalancer.healthCheckCIDRs=$PUBLIC_SUBNET_CIDRS"
  --set-string "monitoring.namespace=$monitoring_namespace"
  --set-string "monitoring.release=$PLATFORM_KPS_RELEASE"
  --rollback-on-failure
  --wait
  --timeout "$helm_timeout"
)

if [[ "$dry_run" == 1 ]]; then
  exec helm template "${helm_args[@]}"
fi

require CLUSTER_NAME '^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$' 'an EKS cluster name'
require AWS_REGION '^[a-z]{2}(-[a-z]+)+-[0-9]+$' 'an AWS region'
need aws kubectl python3

log "kubeconfig for cluster $CLUSTER_NAME in $AWS_REGION"
aws eks update-kubeconfig --name "$CLUSTER_NAME" --region "$AWS_REGION"

kubectl get namespace "$namespace" >/dev/null ||
  die "namespace $namespace does not exist: run the platform sync first (the app workflow by hand, or 'make platform-sync' as a cluster admin)"

log "helm upgrade --install $release at $IMAGE_REPOSITORY@$IMAGE_DIGEST"
helm upgrade --install "${helm_args[@]}"

revision=$(helm status "$release" --namespace "$namespace" -o json |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
log "release $release is at revision $revision"

if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  printf 'revision=%s\n' "$revision" >>"$GITHUB_OUTPUT"
fi
if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  {
    printf '### Deployed %s\n\n| | |\n| --- | --- |\n' "$release"
    printf '| App URL | %s |\n' "${APP_URL:-(APP_URL not set)}"
    printf '| Image | %s |\n' "\`$IMAGE_REPOSITORY@$IMAGE_DIGEST\`"
    printf '| Commit | %s |\n' "\`${image_tag:-unknown}\`"
    printf '| Chart revision | %s in namespace %s |\n\n' "$revision" "\`$namespace\`"
  } >>"$GITHUB_STEP_SUMMARY"
fi
