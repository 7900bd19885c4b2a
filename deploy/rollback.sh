#!/usr/bin/env bash
# Rolls the webapp release back to the revision before the current one (what `make rollback`
# runs, and what the app workflow runs when the smoke test fails). Needs a kubeconfig for the
# cluster: `make deploy` writes one, or run `aws eks update-kubeconfig` first.
#
# Inputs (environment): NAMESPACE (webapp), RELEASE (webapp), HELM_TIMEOUT (10m).
set -euo pipefail

die() { printf 'rollback: error: %s\n' "$*" >&2; exit 2; }

namespace=${NAMESPACE:-webapp}
release=${RELEASE:-webapp}
helm_timeout=${HELM_TIMEOUT:-10m}
[[ "$namespace" =~ ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ ]] || die "NAMESPACE='$namespace' is not a namespace name"
[[ "$release" =~ ^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$ ]] || die "RELEASE='$release' is not a release name"
[[ "$helm_timeout" =~ ^[0-9]+[smh]$ ]] || die "HELM_TIMEOUT='$helm_timeout' is not a duration like 10m"
command -v helm >/dev/null || die "'helm' is not installed: run 'make tools'"

# Revision 0 means "the previous release" to helm.
helm rollback "$release" 0 --namespace "$namespace" --wait --timeout "$helm_timeout"
helm history "$release" --namespace "$namespace" --max 3

if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  printf '### Rolled back %s\n\n%s runs its previous revision again (see helm history).\n\n' \
    "$release" "$release" >>"$GITHUB_STEP_SUMMARY"
fi
