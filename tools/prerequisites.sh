#!/usr/bin/env bash
# Checks what must be on the machine before a make target can install the rest, and names
# every missing piece with the command that adds it (make prerequisites; make up runs `up`).
#
#   prerequisites.sh up       try the service locally: make up / load / down
#   prerequisites.sh test     everything make tools and make test need
#   prerequisites.sh operate  bootstrap, deploy and teardown from this machine
#
# The reference machine is Debian 12 (bookworm) or 13 (trixie) on amd64 or arm64: Prometheus
# comes from bookworm's Debian package, unpacked by `make tools`.
# OS_RELEASE overrides /etc/os-release (for the tests).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tools/versions.env
source "$root/tools/versions.env"

missing=()
need() { missing+=("$1: $2"); }

# has TOOL: on PATH.
has() { command -v "$1" >/dev/null 2>&1; }

check_debian() {
  local release=${OS_RELEASE:-/etc/os-release} id="" version=""
  if [[ -r "$release" ]]; then
    id=$(sed -n 's/^ID=//p' "$release" | tr -d '"')
    version=$(sed -n 's/^VERSION_ID=//p' "$release" | tr -d '"')
  fi
  [[ "$id" == debian && ("$version" == 12 || "$version" == 13) ]] ||
    need "Debian 12 or 13" "this is ${id:-unknown} ${version:-}; other systems need prometheus $PROMETHEUS_DEB_VERSION and the tools below by other means"
  has apt-get || need "apt-get" "a Debian system fetches Prometheus with apt-get download"
}

check_common() {
  has git || need "git" "sudo apt-get install git"
  has cc || need "a C toolchain (cc, for the service's build)" "sudo apt-get install build-essential"
  if has python3; then
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
      need "Python 3.11 or newer" "sudo apt-get install python3 python3-venv"
    python3 -c 'import venv, ensurepip' 2>/dev/null ||
      need "python3-venv" "sudo apt-get install python3-venv"
  else
    need "python3 (3.11 or newer)" "sudo apt-get install python3 python3-venv"
  fi
  if has rustup; then
    local got
    got=$(rustc --version 2>/dev/null | cut -d' ' -f2)
    [[ "$got" == "$RUST_VERSION" ]] ||
      need "Rust $RUST_VERSION (rustc is ${got:-missing})" "rustup toolchain install $RUST_VERSION"
  else
    need "rustup with Rust $RUST_VERSION" "curl https://sh.rustup.rs -sSf | sh -s -- --default-toolchain $RUST_VERSION"
  fi
}

check_test() {
  has npm || need "npm (helm and kubectl come from an npm package)" "sudo apt-get install npm"
  has openssl || need "openssl" "sudo apt-get install openssl"
  if has terraform; then
    local got
    got=$(terraform version -json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["terraform_version"])' 2>/dev/null)
    [[ "$got" == "$TERRAFORM_VERSION" ]] ||
      need "Terraform $TERRAFORM_VERSION (found ${got:-unknown})" "install it from releases.hashicorp.com"
  else
    need "Terraform $TERRAFORM_VERSION" "install it from releases.hashicorp.com"
  fi
}

check_operate() {
  has aws || need "the AWS CLI" "install AWS CLI v2 (docs.aws.amazon.com/cli), then aws configure sso or credentials of an admin"
  has gh || need "the GitHub CLI (gh)" "sudo apt-get install gh, then gh auth login as a repository admin"
  has terraform || need "Terraform $TERRAFORM_VERSION" "install it from releases.hashicorp.com"
}

case "${1:-}" in
  up) check_debian; check_common ;;
  test) check_debian; check_common; check_test ;;
  operate) check_common; check_test; check_operate ;;
  *)
    printf 'usage: %s up|test|operate\n' "$0" >&2
    exit 2
    ;;
esac

if ((${#missing[@]})); then
  printf 'prerequisites (%s): missing\n' "$1" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi
printf 'prerequisites (%s): all present\n' "$1"
