#!/usr/bin/env bash
# Terraform for terraform/live, the way the infra workflow runs it (make infra-*).
#
#   infra.sh init    fmt -check over terraform/, init with the S3 backend, validate
#   infra.sh plan    plan into .run/infra/live.tfplan; readable text in .run/infra/plan.txt
#                    (the error output instead when the plan fails, so the PR comment shows it);
#                    in CI also the step output has_changes=true|false
#   infra.sh apply   apply exactly that saved plan; terraform refuses it if the state moved on
#   infra.sh drift   plan -detailed-exitcode without a lock: exit 0 = in sync, 2 = drift, 1 = error
#   plan and drift leave their text in .run/infra/plan.txt for `make plan-comment`.
#
# Backend settings: TF_BACKEND_CONFIG (the bootstrap output backend_config, a GitHub variable in
# CI) or, when that is unset, an existing terraform/live/backend.hcl.
# Per-account input values: TF_LIVE_TFVARS (HCL, a GitHub variable in CI) becomes
# terraform/live/github.auto.tfvars, which Terraform loads on its own (*.tfvars is git-ignored).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
live="$root/terraform/live"
out="$root/.run/infra"
plan_file="$out/live.tfplan"
plan_text="$out/plan.txt"

die() { printf 'infra: error: %s\n' "$*" >&2; exit 1; }
log() { printf 'infra: %s\n' "$*"; }

tf() { terraform -chdir="$live" "$@"; }

init() {
  log "terraform fmt -check -recursive terraform/"
  terraform fmt -check -recursive -diff "$root/terraform"
  if [[ -n "${TF_BACKEND_CONFIG:-}" ]]; then
    printf '%s\n' "$TF_BACKEND_CONFIG" >"$live/backend.hcl"
  fi
  if [[ -n "${TF_LIVE_TFVARS:-}" ]]; then
    printf '%s\n' "$TF_LIVE_TFVARS" >"$live/github.auto.tfvars"
  fi
  [[ -s "$live/backend.hcl" ]] ||
    die "no backend settings: set TF_BACKEND_CONFIG, or run 'terraform -chdir=terraform/bootstrap output -raw backend_config > terraform/live/backend.hcl'"
  tf init -input=false -lockfile=readonly -backend-config=backend.hcl
  tf validate -no-color
}

# Waits for a lock held by another plan or apply instead of failing at once.
lock_timeout=5m

plan() {
  mkdir -p "$out"
  rm -f "$plan_file" "$plan_text"
  local status=0
  tf plan -input=false -no-color -lock-timeout="$lock_timeout" -detailed-exitcode \
    -out="$plan_file" >"$out/plan.log" 2>&1 || status=$?
  if [[ "$status" -ne 0 && "$status" -ne 2 ]]; then
    cp "$out/plan.log" "$plan_text"
    cat "$plan_text" >&2
    die "terraform plan failed (exit $status)"
  fi
  tf show -no-color "$plan_file" >"$plan_text"
  sed -n -E '/^(Plan:|No changes\.)/p' "$plan_text"
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    if [[ "$status" -eq 2 ]]; then echo has_changes=true; else echo has_changes=false; fi >>"$GITHUB_OUTPUT"
  fi
}

apply() {
  [[ -s "$plan_file" ]] || die "no saved plan at $plan_file: run 'make infra-plan' (CI downloads it)"
  tf apply -input=false -no-color "$plan_file"
}

drift() {
  mkdir -p "$out"
  local status=0
  # No lock: a read-only check must never block, or be blocked by, an apply.
  tf plan -input=false -no-color -lock=false -detailed-exitcode >"$plan_text" 2>&1 || status=$?
  cat "$plan_text"
  case "$status" in
    0) log "no drift: the live platform matches terraform/live" ;;
    2) printf 'infra: DRIFT: the live platform differs from terraform/live (plan above)\n' >&2 ;;
    *) die "terraform plan failed (exit $status)" ;;
  esac
  return "$status"
}

command -v terraform >/dev/null || die "'terraform' is not installed (the pin is TERRAFORM_VERSION in tools/versions.env)"
case "${1:-}" in
  init | plan | apply | drift) "$1" ;;
  *) die "usage: infra.sh init|plan|apply|drift" ;;
esac
