# shellcheck shell=bash
# shellcheck disable=SC2154 # root, cache_dir, kps_release, helm_timeout and the PLATFORM_ names come from platform/sync.sh
# Karpenter's part of the platform sync, sourced by platform/sync.sh after the CRDs of the other
# charts (the ServiceMonitor CRD must exist before the chart renders its ServiceMonitor) and the
# Load Balancer Controller. Uses that script's run, pipe_to_apply, die, log and settings.
#
#   1. the chart's CRDs (NodePool, NodeClaim, EC2NodeClass, NodeOverlay), server-side;
#   2. the controller (values.yaml) in kube-system, on the system node group;
#   3. the EC2NodeClass and NodePool (the local chart nodepools/), once the CRDs and the
#      controller are there.
#
# Inputs (environment), besides platform/sync.sh's:
#   KARPENTER_NODE_ROLE          Terraform output karpenter_node_role_name
#                                (default <CLUSTER_NAME>-karpenter-node, modules/karpenter's name)
#   KARPENTER_INTERRUPTION_QUEUE Terraform output karpenter_interruption_queue
#                                (default <CLUSTER_NAME>-karpenter)
#   KARPENTER_ISOLATED_VPC       Terraform output karpenter_isolated_vpc: true without NAT
#                                (no pricing API; the controller uses its built-in prices)
#
# karpenter_check_inputs runs with the other input checks, before anything changes the cluster;
# karpenter_sync runs the three steps.

karpenter_check_inputs() {
  KARPENTER_NODE_ROLE=${KARPENTER_NODE_ROLE:-$CLUSTER_NAME-karpenter-node}
  KARPENTER_INTERRUPTION_QUEUE=${KARPENTER_INTERRUPTION_QUEUE:-$CLUSTER_NAME-karpenter}
  require KARPENTER_NODE_ROLE '^[A-Za-z0-9+=,.@_-]{1,64}$' 'an IAM role name (Terraform output karpenter_node_role_name)'
  require KARPENTER_INTERRUPTION_QUEUE '^[A-Za-z0-9_-]{1,80}$' 'an SQS queue name (Terraform output karpenter_interruption_queue)'
  karpenter_isolated_vpc=${KARPENTER_ISOLATED_VPC:-false}
  [[ "$karpenter_isolated_vpc" =~ ^(true|false)$ ]] ||
    die "KARPENTER_ISOLATED_VPC='$karpenter_isolated_vpc' is not true or false (Terraform output karpenter_isolated_vpc)"
}

karpenter_sync() {
  local release=$PLATFORM_KARPENTER_RELEASE namespace=$PLATFORM_KARPENTER_NAMESPACE
  local chart=(oci://public.ecr.aws/karpenter/karpenter --version "$KARPENTER_VERSION")
  local cache=()
  if [[ -n "${IMAGE_REGISTRY_CACHE:-}" ]]; then
    python3 "$root/platform/registry_cache.py" karpenter "$IMAGE_REGISTRY_CACHE" >"$cache_dir/karpenter-image-cache.json" ||
      die "IMAGE_REGISTRY_CACHE='$IMAGE_REGISTRY_CACHE' is not the Terraform output image_registry_cache"
    cache=(--values "$cache_dir/karpenter-image-cache.json")
  fi

  log "CRDs of $release $KARPENTER_VERSION"
  pipe_to_apply --server-side --force-conflicts -- helm show crds "${chart[@]}"

  log "$release $KARPENTER_VERSION in $namespace"
  run helm upgrade --install "$release" "${chart[@]}" \
    --namespace "$namespace" \
    --values "$root/platform/karpenter/values.yaml" \
    --set-string "settings.clusterName=$CLUSTER_NAME" \
    --set-string "settings.interruptionQueue=$KARPENTER_INTERRUPTION_QUEUE" \
    --set "settings.isolatedVPC=$karpenter_isolated_vpc" \
    --set-string "serviceMonitor.additionalLabels.release=$kps_release" \
    "${cache[@]}" \
    --rollback-on-failure --wait --timeout "$helm_timeout"

  log "EC2NodeClass and NodePool"
  run helm upgrade --install "$PLATFORM_KARPENTER_NODEPOOLS_RELEASE" "$root/platform/karpenter/nodepools" \
    --namespace "$namespace" \
    --set-string "clusterName=$CLUSTER_NAME" \
    --set-string "nodeRole=$KARPENTER_NODE_ROLE" \
    --rollback-on-failure --wait --timeout "$helm_timeout"
}
