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
#   IMAGE_DIGEST       sha256:<64 hex> of the pushed image
#   IMAGE_TAG          optional: the git SHA the image was tagged with (shown next to the digest)
#   NAMESPACE (webapp), RELEASE (webapp), HELM_TIMEOUT (10m)
#   RUNBOOK_BASE_URL   http(s) URL of docs/runbooks for the alerts' runbook_url; in GitHub
#                      Actions it defaults to this repository's docs/runbooks at GITHUB_SHA
#   MONITORING_NAMESPACE (platform/platform.env): passed to the chart; the platform sync reads
#                        the same default
# Region and cluster name come from terraform/settings.auto.tfvars.json (deploy/settings.py);
# an AWS_REGION that differs from it is refused. terraform/live's published outputs
# (deploy/platform_outputs.py, from SSM) fill in whichever of these is unset:
#   ECR_REPOSITORY_URL (or IMAGE_REPOSITORY), TARGET_GROUP_ARN, PUBLIC_SUBNET_CIDRS (a JSON list:
#   where the NLB health checks come from), APP_URL (summary)
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

settings_region=$(python3 "$root/deploy/settings.py" get aws_region) || die "unreadable shared settings (above)"
[[ -z "${AWS_REGION:-}" || "$AWS_REGION" == "$settings_region" ]] ||
  die "AWS_REGION=$AWS_REGION, but terraform/settings.auto.tfvars.json sets aws_region $settings_region: unset AWS_REGION or fix the settings"
export AWS_REGION=$settings_region
CLUSTER_NAME=$(python3 "$root/deploy/settings.py" get cluster_name)
export CLUSTER_NAME

# What the last apply published; values already in the environment win (offline renders).
if [[ -z "${IMAGE_REPOSITORY:-${ECR_REPOSITORY_URL:-}}" || -z "${TARGET_GROUP_ARN:-}" ||
  -z "${PUBLIC_SUBNET_CIDRS:-}" ]]; then
  # stderr: with DRY_RUN=1, stdout is the rendered manifest.
  log "reading terraform/live's published outputs from SSM" >&2
  published=$(python3 "$root/deploy/platform_outputs.py") || die "the platform outputs are unreadable (above)"
  while IFS='=' read -r name value; do
    [[ -n "${!name:-}" ]] || export "$name=$value"
  done <<<"$published"
fi
IMAGE_REPOSITORY=${IMAGE_REPOSITORY:-${ECR_REPOSITORY_URL:-}}

runbook_base_url=${RUNBOOK_BASE_URL:-}
if [[ -z "$runbook_base_url" && -n "${GITHUB_REPOSITORY:-}" && -n "${GITHUB_SHA:-}" ]]; then
  # The runbooks of the very commit whose alert rules this deploy installs.
  runbook_base_url="${GITHUB_SERVER_URL:-https://github.com}/$GITHUB_REPOSITORY/blob/$GITHUB_SHA/docs/runbooks"
fi
runbook_hint='the http(s) URL of docs/runbooks without a trailing slash, e.g. https://github.com/OWNER/REPO/blob/main/docs/runbooks'
# An offline render may keep the rule files' repository paths; a deploy needs links a pager opens.
if [[ "$dry_run" == 0 || -n "$runbook_base_url" ]]; then
  [[ -n "$runbook_base_url" ]] || die "RUNBOOK_BASE_URL is not set: $runbook_hint"
  [[ "$runbook_base_url" =~ ^https?://[^[:space:]/]+(/[^[:space:]]*)?[^[:space:]/]$ ]] ||
    die "RUNBOOK_BASE_URL='$runbook_base_url' is not $runbook_hint"
fi
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
  --set-string "monitoring.prometheusRule.runbookBaseURL=$runbook_base_url"
  --rollback-on-failure
  --wait
  --timeout "$helm_timeout"
)

if [[ "$dry_run" == 1 ]]; then
  exec helm template "${helm_args[@]}"
fi

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
