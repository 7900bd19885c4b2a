#!/usr/bin/env bash
# Installs or upgrades the platform releases (what `make platform-sync` runs; the deploy calls it):
#
#   1. the gp3 StorageClass (manifests/storageclass-gp3.yaml), the monitoring namespace, and the
#      app namespace with the deploy role's Role (manifests/app-namespace.yaml);
#   2. the CRDs of both charts, server-side;
#   3. aws-load-balancer-controller in kube-system (values/aws-load-balancer-controller.yaml);
#   4. Karpenter: its CRDs, the controller, then the EC2NodeClass and NodePool
#      (karpenter/sync.sh, which also lists its inputs);
#   5. kube-prometheus-stack in MONITORING_NAMESPACE (values/kube-prometheus-stack.yaml).
#
# Before any of that changes the cluster, it checks that the two Secrets the stack reads hold
# every key its values name (see platform/README.md, "Secrets").
#
# Each release: helm upgrade --install at the version pinned in tools/versions.env,
# --rollback-on-failure --wait --timeout. DRY_RUN=1 prints every command instead of running it
# (no cluster needed); the offline test asserts on that output.
#
# Inputs (environment):
#   CLUSTER_NAME   EKS cluster (Terraform output cluster_name); the kube context must point at it
#   AWS_REGION     Terraform output aws_region
#   VPC_ID         Terraform output vpc_id (the controller cannot read it from IMDS: hop limit 1)
#   MONITORING_NAMESPACE (platform/platform.env), HELM_TIMEOUT (15m), DRY_RUN (0)
#   IMAGE_REGISTRY_CACHE Terraform output image_registry_cache, set when nodes have no NAT: every
#                  image of both releases then comes through the ECR pull-through cache
#                  (values from platform/registry_cache.py)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tools/versions.env
source "$root/tools/versions.env"
# shellcheck source=platform/platform.env
source "$root/platform/platform.env"

script=platform-sync
# shellcheck source=tools/lib.sh
source "$root/tools/lib.sh"
log() { printf 'platform-sync: %s\n' "$*" >&2; }

dry_run=${DRY_RUN:-0}
monitoring_namespace=${MONITORING_NAMESPACE:-$PLATFORM_MONITORING_NAMESPACE}
helm_timeout=${HELM_TIMEOUT:-15m}

[[ "$dry_run" =~ ^[01]$ ]] || die "DRY_RUN must be 0 or 1, got '$dry_run'"
require CLUSTER_NAME '^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$' 'an EKS cluster name (Terraform output cluster_name)'
require AWS_REGION '^[a-z]{2}(-[a-z]+)+-[0-9]+$' 'an AWS region like eu-west-1 (Terraform output aws_region)'
require VPC_ID '^vpc-[0-9a-f]{8,17}$' 'a VPC id like vpc-0123456789abcdef0 (Terraform output vpc_id)'
[[ "$monitoring_namespace" =~ ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ ]] ||
  die "MONITORING_NAMESPACE='$monitoring_namespace' is not a namespace name"
[[ "$helm_timeout" =~ ^[0-9]+[smh]$ ]] || die "HELM_TIMEOUT='$helm_timeout' is not a duration like 15m"
# shellcheck source=platform/karpenter/sync.sh
source "$root/platform/karpenter/sync.sh"
karpenter_check_inputs

# Without NAT, both releases take their images from the ECR pull-through cache.
lbc_cache=()
kps_cache=()
if [[ -n "${IMAGE_REGISTRY_CACHE:-}" ]]; then
  need python3
  cache_dir="$root/.run/platform"
  mkdir -p "$cache_dir"
  for chart in aws-load-balancer-controller kube-prometheus-stack; do
    python3 "$root/platform/registry_cache.py" "$chart" "$IMAGE_REGISTRY_CACHE" >"$cache_dir/$chart-image-cache.json" ||
      die "IMAGE_REGISTRY_CACHE='$IMAGE_REGISTRY_CACHE' is not the Terraform output image_registry_cache"
  done
  lbc_cache=(--values "$cache_dir/aws-load-balancer-controller-image-cache.json")
  kps_cache=(--values "$cache_dir/kube-prometheus-stack-image-cache.json")
fi

kps_release=$PLATFORM_KPS_RELEASE
kps_chart=(kube-prometheus-stack --repo https://prometheus-community.github.io/helm-charts
  --version "$KUBE_PROMETHEUS_STACK_CHART_VERSION")
lbc_release=aws-load-balancer-controller
lbc_chart=(aws-load-balancer-controller --repo https://aws.github.io/eks-charts
  --version "$AWS_LOAD_BALANCER_CONTROLLER_CHART_VERSION")
# The Secret keys the kube-prometheus-stack values read: grafana.admin.userKey/passwordKey, and
# the receivers' url_file names. (Pairs, not an associative array: macOS ships bash 3.2.)
secrets=(grafana-admin alertmanager-receivers)
secret_keys=(
  grafana-admin/admin-user grafana-admin/admin-password
  alertmanager-receivers/page-url alertmanager-receivers/ticket-url
)

# run CMD...: run it, or print it (shell-quoted) under DRY_RUN=1.
run() {
  if [[ "$dry_run" == 1 ]]; then
    printf '%q ' "$@" | sed 's/ $//'
    printf '\n'
  else
    "$@"
  fi
}

# pipe_to_apply KUBECTL_APPLY_FLAGS -- CMD...: CMD's manifests into kubectl apply (or print that).
pipe_to_apply() {
  local flags=()
  while [[ "$1" != -- ]]; do flags+=("$1"); shift; done
  shift
  if [[ "$dry_run" == 1 ]]; then
    printf '%s | %s\n' "$(run "$@")" "$(run kubectl apply "${flags[@]}" -f -)"
  else
    "$@" | kubectl apply "${flags[@]}" -f -
  fi
}

need helm
helm_version=$(helm version --template '{{.Version}}')
[[ "$helm_version" == "$HELM_VERSION" ]] ||
  die "helm is $helm_version, the pin is $HELM_VERSION (tools/versions.env): flags differ between majors"

if [[ "$dry_run" == 0 ]]; then
  need kubectl
  # Never sync the wrong cluster: aws eks update-kubeconfig names the context's cluster by its ARN.
  context_cluster=$(kubectl config view --minify --output 'jsonpath={.clusters[0].name}' 2>/dev/null) ||
    die "no current kube context: run 'aws eks update-kubeconfig --name $CLUSTER_NAME --region $AWS_REGION'"
  [[ "$context_cluster" == "$CLUSTER_NAME" || "$context_cluster" == */"$CLUSTER_NAME" ]] ||
    die "the kube context points at '$context_cluster', not CLUSTER_NAME=$CLUSTER_NAME"
fi

# A missing key would surface only later, as a Grafana pod that cannot start or an Alertmanager
# that cannot send: refuse before anything is installed. Keys with empty values count as missing.
log "Secrets ${secrets[*]} in $monitoring_namespace"
missing=()
for secret in "${secrets[@]}"; do
  # shellcheck disable=SC2016 # a go-template for kubectl, not a shell expansion
  present=$(run kubectl --namespace "$monitoring_namespace" get secret "$secret" \
    --output 'go-template={{range $key, $value := .data}}{{if $value}}{{$key}}{{"\n"}}{{end}}{{end}}') ||
    present=""
  [[ "$dry_run" == 1 ]] && { printf '%s\n' "$present"; continue; }
  for pair in "${secret_keys[@]}"; do
    [[ "${pair%%/*}" == "$secret" ]] || continue
    grep -qxF -- "${pair#*/}" <<<"$present" || missing+=("$pair")
  done
done
((${#missing[@]} == 0)) ||
  die "missing or empty in namespace $monitoring_namespace: ${missing[*]}: create them first (platform/README.md, 'Secrets')"

log "StorageClass gp3 and namespace $monitoring_namespace"
run kubectl apply --server-side -f "$root/platform/manifests/storageclass-gp3.yaml"
run kubectl apply --server-side -f "$root/platform/manifests/app-namespace.yaml"
pipe_to_apply -- kubectl create namespace "$monitoring_namespace" --dry-run=client --output yaml

# Helm installs a chart's CRDs once and never upgrades them: apply them server-side every time.
log "CRDs of $lbc_release and $kps_release"
pipe_to_apply --server-side --force-conflicts -- helm show crds "${lbc_chart[@]}"
pipe_to_apply --server-side --force-conflicts -- helm show crds "${kps_chart[@]}"

log "$lbc_release ${AWS_LOAD_BALANCER_CONTROLLER_CHART_VERSION} in kube-system"
run helm upgrade --install "$lbc_release" "${lbc_chart[@]}" \
  --namespace kube-system \
  --values "$root/platform/values/aws-load-balancer-controller.yaml" \
  --set-string "clusterName=$CLUSTER_NAME" \
  --set-string "region=$AWS_REGION" \
  --set-string "vpcId=$VPC_ID" \
  --set-string "serviceMonitor.additionalLabels.release=$kps_release" \
  "${lbc_cache[@]}" \
  --rollback-on-failure --wait --timeout "$helm_timeout"

karpenter_sync

log "$kps_release ${KUBE_PROMETHEUS_STACK_CHART_VERSION} in $monitoring_namespace"
run helm upgrade --install "$kps_release" "${kps_chart[@]}" \
  --namespace "$monitoring_namespace" \
  --values "$root/platform/values/kube-prometheus-stack.yaml" \
  "${kps_cache[@]}" \
  --rollback-on-failure --wait --timeout "$helm_timeout"

log "done"
