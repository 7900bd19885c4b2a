#!/usr/bin/env bash
# Removes everything billable that terraform/live and the cluster created (what `make teardown`
# runs), in the order that leaves nothing behind:
#
#   1. kubeconfig for the cluster of terraform/settings.auto.tfvars.json
#   2. helm uninstall the webapp and kube-prometheus-stack (the webapp first: its
#      TargetGroupBinding needs the load balancer controller to deregister its pods)
#   3. Karpenter's instances, which are not in Terraform's state (they would keep billing, and
#      their ENIs would block the subnets' and security groups' deletion): delete the NodePools
#      and NodeClaims, so the controller drains and terminates them, wait until no NodeClaim is
#      left (KARPENTER_DRAIN_TIMEOUT seconds, 900), then uninstall the Karpenter releases
#   4. helm uninstall the load balancer controller
#   5. delete the monitoring PVCs (helm uninstall keeps a StatefulSet's claims; the Delete
#      StorageClass removes their EBS volumes), then any PersistentVolume of that class still
#      there (released, or made under a Retain policy) and its EBS volume, which would otherwise
#      keep billing after the destroy
#   6. terraform/live: apply ecr_force_delete=true (destroy reads it from the state), then destroy,
#      both with the committed configuration (settings and live.auto.tfvars load by themselves)
#   7. disable the infra and app workflows (the nightly drift check would fail every night, and a
#      push would deploy to a cluster that is gone), when gh is installed; else print the command
#
# The bootstrap (state bucket, KMS key, CI roles) stays: `make empty-state-bucket`, then
# terraform/README.md "Destroy" says how to destroy it.
#
# Inputs (environment): CONFIRM must equal the cluster name. NAMESPACE (webapp), RELEASE (webapp),
# KARPENTER_DRAIN_TIMEOUT (900).
# Needs admin credentials for the account, terraform/live initialised (make terraform-live-init), aws,
# kubectl, helm and terraform; gh is optional.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=platform/platform.env
source "$root/platform/platform.env"

die() { printf 'teardown: error: %s\n' "$*" >&2; exit 2; }
log() { printf 'teardown: %s\n' "$*"; }

settings() { python3 "$root/deploy/settings.py" get "$1"; }
cluster=$(settings cluster_name) || die "unreadable shared settings (above)"
region=$(settings aws_region) || die "unreadable shared settings (above)"
namespace=${NAMESPACE:-webapp}
release=${RELEASE:-webapp}
monitoring_namespace=${MONITORING_NAMESPACE:-$PLATFORM_MONITORING_NAMESPACE}
storage_class=$(sed -n -E 's/^  name: ([a-z0-9.-]+)$/\1/p' "$root/platform/manifests/storageclass-gp3.yaml")
[[ -n "$storage_class" ]] || die "no StorageClass name in platform/manifests/storageclass-gp3.yaml"
drain_timeout=${KARPENTER_DRAIN_TIMEOUT:-900}
[[ "$drain_timeout" =~ ^[0-9]+$ ]] || die "KARPENTER_DRAIN_TIMEOUT='$drain_timeout' is not a number of seconds"

[[ "${CONFIRM:-}" == "$cluster" ]] ||
  die "this destroys cluster $cluster in $region and everything in it: run again with CONFIRM=$cluster"
for tool in aws kubectl helm terraform python3; do
  command -v "$tool" >/dev/null || die "'$tool' is not on PATH (helm, kubectl: make tools; aws: the AWS CLI)"
done
[[ -f "$root/terraform/live/.terraform/terraform.tfstate" ]] ||
  die "terraform/live is not initialised here: run 'make terraform-live-init' first (it needs backend.hcl)"
export AWS_REGION=$region

log "kubeconfig for $cluster in $region"
aws eks update-kubeconfig --name "$cluster" --region "$region"

# uninstall NAME NAMESPACE: a release that is already gone is fine.
uninstall() {
  if helm status "$1" --namespace "$2" >/dev/null 2>&1; then
    log "helm uninstall $1 (namespace $2)"
    helm uninstall "$1" --namespace "$2" --wait --timeout 10m
  else
    log "release $1 is not installed in $2"
  fi
}
uninstall "$release" "$namespace"
uninstall "$PLATFORM_KPS_RELEASE" "$monitoring_namespace"

# "<NodeClaim> <instance>" for each NodeClaim still there.
nodeclaims() {
  kubectl get nodeclaims.karpenter.sh --output 'jsonpath={range .items[*]}{.metadata.name}{" "}{.status.providerID}{"\n"}{end}'
}
# The workloads are gone by now, so no PodDisruptionBudget holds a drain. The controller must
# stay until the last NodeClaim is gone: its finalizer is what terminates the instance.
if kubectl get crd nodepools.karpenter.sh nodeclaims.karpenter.sh >/dev/null 2>&1; then
  log "NodePools and NodeClaims: Karpenter drains and terminates the instances it launched"
  kubectl delete nodepools.karpenter.sh --all --wait=false
  kubectl delete nodeclaims.karpenter.sh --all --wait=false
  deadline=$((SECONDS + drain_timeout))
  while left=$(nodeclaims) || die "cannot list Karpenter's NodeClaims (above)"; [[ -n "$left" ]]; do
    ((SECONDS < deadline)) ||
      die "NodeClaims still there after ${drain_timeout}s (name, instance): $(tr '\n' ';' <<<"$left")" \
        "see 'kubectl describe nodeclaims' and the logs of deployment/$PLATFORM_KARPENTER_RELEASE in $PLATFORM_KARPENTER_NAMESPACE;" \
        "Terraform cannot delete the subnets while those instances run: fix it, or terminate them (aws ec2 terminate-instances)," \
        "then run the teardown again (a longer KARPENTER_DRAIN_TIMEOUT waits more)"
    sleep 5
  done
else
  log "no Karpenter CRDs: no instances of Karpenter's to terminate"
fi
uninstall "$PLATFORM_KARPENTER_NODEPOOLS_RELEASE" "$PLATFORM_KARPENTER_NAMESPACE"
uninstall "$PLATFORM_KARPENTER_RELEASE" "$PLATFORM_KARPENTER_NAMESPACE"

uninstall aws-load-balancer-controller kube-system

log "PVCs in $monitoring_namespace"
kubectl delete pvc --all --namespace "$monitoring_namespace" --wait=true
# "<pv name> <EBS volume id>" for each volume of the platform's class.
volumes=$(kubectl get pv -o json | python3 -c '
import json, sys
for pv in json.load(sys.stdin)["items"]:
    spec = pv["spec"]
    if spec.get("storageClassName") == sys.argv[1] and spec.get("csi", {}).get("driver") == "ebs.csi.aws.com":
        print(pv["metadata"]["name"], spec["csi"]["volumeHandle"])
' "$storage_class")
while read -r pv volume; do
  [[ -n "$pv" ]] || continue
  [[ "$volume" =~ ^vol-[0-9a-f]+$ ]] || die "PersistentVolume $pv names '$volume', not an EBS volume id"
  log "PersistentVolume $pv and EBS volume $volume"
  kubectl delete pv "$pv" --wait=true
  # The volume detaches once its pod is gone; delete-volume refuses an attached one.
  aws ec2 wait volume-available --volume-ids "$volume" --region "$region"
  aws ec2 delete-volume --volume-id "$volume" --region "$region"
done <<<"$volumes"

log "terraform/live: let the registry go with its images, then destroy"
terraform -chdir="$root/terraform/live" apply -input=false -auto-approve -var ecr_force_delete=true
terraform -chdir="$root/terraform/live" destroy -input=false -auto-approve -var ecr_force_delete=true

if command -v gh >/dev/null; then
  log "disabling the infra and app workflows"
  gh workflow disable infra.yml
  gh workflow disable app.yml
else
  log "gh is not installed: run 'gh workflow disable infra.yml' and 'gh workflow disable app.yml'"
fi

log "done. The bootstrap remains (state bucket, KMS key, CI roles): make empty-state-bucket, then"
log "follow terraform/README.md, section Destroy, to remove it."
