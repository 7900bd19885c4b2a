#!/usr/bin/env bash
# Undoes the webapp release after a failed smoke test (what `make rollback` runs, and what the
# app workflow runs then). Needs a kubeconfig for the cluster: `make deploy` writes one, or run
# `aws eks update-kubeconfig` first.
#
#   an earlier revision exists   helm rollback to it (revision 0 means "the previous one")
#   first release (revision 1)   there is nothing to go back to: the release is uninstalled, as
#                                helm's own --rollback-on-failure does with a failed first
#                                install, so nothing half-working stays behind and the next
#                                deploy installs afresh
#   no release at all            nothing to undo
#
# Inputs (environment): NAMESPACE (webapp), RELEASE (webapp), HELM_TIMEOUT (10m).
set -euo pipefail

die() { printf 'rollback: error: %s\n' "$*" >&2; exit 2; }
log() { printf 'rollback: %s\n' "$*"; }
summary() {
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then printf '%s\n\n' "$@" >>"$GITHUB_STEP_SUMMARY"; fi
}

namespace=${NAMESPACE:-webapp}
release=${RELEASE:-webapp}
helm_timeout=${HELM_TIMEOUT:-10m}
[[ "$namespace" =~ ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ ]] || die "NAMESPACE='$namespace' is not a namespace name"
[[ "$release" =~ ^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$ ]] || die "RELEASE='$release' is not a release name"
[[ "$helm_timeout" =~ ^[0-9]+[smh]$ ]] || die "HELM_TIMEOUT='$helm_timeout' is not a duration like 10m"
command -v helm >/dev/null || die "'helm' is not installed: run 'make tools'"
command -v python3 >/dev/null || die "'python3' is not installed"

errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
if ! history=$(helm history "$release" --namespace "$namespace" -o json 2>"$errors"); then
  if grep -q 'release: not found' "$errors"; then
    log "there is no release $release in namespace $namespace: nothing to roll back"
    summary "### Nothing to roll back" "There is no release \`$release\` in \`$namespace\`."
    exit 0
  fi
  cat "$errors" >&2
  die "could not read the history of release $release in namespace $namespace"
fi
revisions=$(python3 -c 'import json, sys; print(len(json.load(sys.stdin)))' <<<"$history")

if [[ "$revisions" -le 1 ]]; then
  log "$release has one revision, its first release: there is no earlier revision to roll back to"
  log "uninstalling it, so that nothing half-working stays behind; the next deploy installs afresh"
  helm uninstall "$release" --namespace "$namespace" --wait --timeout "$helm_timeout"
  summary "### Removed the first release of $release" \
    "The smoke test failed on the very first release, so there was no earlier revision to return to. The release is uninstalled; fix the cause (see the deploy and smoke logs) and deploy again."
  exit 0
fi

helm rollback "$release" 0 --namespace "$namespace" --wait --timeout "$helm_timeout"
helm history "$release" --namespace "$namespace" --max 3
summary "### Rolled back $release" "$release runs its previous revision again (see helm history)."
