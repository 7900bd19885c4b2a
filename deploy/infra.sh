#!/usr/bin/env bash
# Terraform for terraform/live, the way the infra workflow runs it (make terraform-live-*).
#
#   infra.sh init     fmt -check over terraform/, init with the S3 backend, validate
#   infra.sh preview  plan without the state lock, for pull requests: it only reads, and must
#                     not hold up (or be held up by) the plan and apply on main
#   infra.sh plan     plan into .run/infra/live.tfplan; readable text in .run/infra/plan.txt
#                     (the error output instead when the plan fails, so the PR comment shows it);
#                     in CI also the step output has_changes=true|false. With PLAN_KEY set, the
#                     saved plan is also stored in the state bucket under the state's KMS key at
#                     that key, and its sha256 becomes the step output plan_sha256
#   infra.sh apply    apply exactly that saved plan. With PLAN_KEY set it is fetched from the
#                     state bucket first and must have the sha256 PLAN_SHA256 (the plan the
#                     approver saw); a missing or stale plan stops with the way to recover
#   infra.sh drift    plan -detailed-exitcode without a lock: exit 0 = in sync, 2 = drift, 1 = error
#   preview, plan and drift leave their text in .run/infra/plan.txt for `make plan-comment`.
#
# Backend settings: TF_BACKEND_CONFIG (the bootstrap output backend_config, a GitHub variable in
# CI) or, when that is unset, an existing terraform/live/backend.hcl. Its bucket and kms_key_id
# are where the saved plan is kept.
# Input values are committed: terraform/settings.auto.tfvars.json (shared with the bootstrap)
# and terraform/live/live.auto.tfvars, which Terraform loads on its own, so plan, apply, drift
# and a local run all read the same configuration. Its region must match the backend's and
# AWS_REGION's, or init refuses.
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
  [[ -z "${TF_LIVE_TFVARS:-}" ]] ||
    die "TF_LIVE_TFVARS is set, but live inputs are committed now: move its values into terraform/live/live.auto.tfvars and delete the variable"
  [[ -s "$live/backend.hcl" ]] ||
    die "no backend settings: set TF_BACKEND_CONFIG, or run 'terraform -chdir=terraform/bootstrap output -raw backend_config > terraform/live/backend.hcl'"
  local region backend_region
  region=$(python3 "$root/deploy/settings.py" get aws_region) || die "unreadable shared settings (above)"
  backend_region=$(sed -n -E 's/^[[:space:]]*region[[:space:]]*=[[:space:]]*"([^"]*)".*/\1/p' "$live/backend.hcl")
  [[ "$backend_region" == "$region" ]] ||
    die "the backend settings name region '$backend_region', terraform/settings.auto.tfvars.json says $region: apply terraform/bootstrap with the committed settings, then use its backend_config output"
  [[ -z "${AWS_REGION:-}" || "$AWS_REGION" == "$region" ]] ||
    die "AWS_REGION=$AWS_REGION, but terraform/settings.auto.tfvars.json sets aws_region $region"
  tf init -input=false -lockfile=readonly -backend-config=backend.hcl
  tf validate -no-color
}

# Waits for a lock held by another plan or apply instead of failing at once.
lock_timeout=5m
# What to do when the saved plan cannot be applied: plan again and review that plan.
recovery="run the infra workflow on main again (Actions -> infra -> Run workflow), review its plan and approve that run"

# backend_setting NAME: a string setting from terraform/live/backend.hcl.
backend_setting() {
  [[ -s "$live/backend.hcl" ]] || die "no terraform/live/backend.hcl: run 'make terraform-live-init' first"
  sed -n -E "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"([^\"]+)\"[[:space:]]*\$/\1/p" "$live/backend.hcl"
}

# plan_store: "bucket kms_key_id" of the state, where the saved plan is kept.
plan_store() {
  local bucket key
  bucket=$(backend_setting bucket)
  key=$(backend_setting kms_key_id)
  [[ -n "$bucket" && -n "$key" ]] ||
    die "backend.hcl names no bucket and kms_key_id: the saved plan is only kept encrypted under the state's key"
  printf '%s %s\n' "$bucket" "$key"
}

plan_key_ok() {
  [[ "$PLAN_KEY" =~ ^plans/[A-Za-z0-9._/-]+\.tfplan$ && "$PLAN_KEY" != *..* ]] ||
    die "PLAN_KEY='$PLAN_KEY' is not plans/<run>.tfplan"
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

output() {
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then printf '%s\n' "$@" >>"$GITHUB_OUTPUT"; fi
}

# run_plan LOCK_ARGS...: plan into $plan_file and $plan_text; returns plan's detailed exit code.
run_plan() {
  mkdir -p "$out"
  rm -f "$plan_file" "$plan_text"
  local status=0
  tf plan -input=false -no-color "$@" -detailed-exitcode \
    -out="$plan_file" >"$out/plan.log" 2>&1 || status=$?
  if [[ "$status" -ne 0 && "$status" -ne 2 ]]; then
    cp "$out/plan.log" "$plan_text"
    cat "$plan_text" >&2
    die "terraform plan failed (exit $status)"
  fi
  tf show -no-color "$plan_file" >"$plan_text"
  sed -n -E '/^(Plan:|No changes\.)/p' "$plan_text"
  if [[ "$status" -eq 2 ]]; then output has_changes=true; else output has_changes=false; fi
}

preview() {
  # No lock: nothing from this plan is ever applied.
  run_plan -lock=false
}

plan() {
  run_plan -lock-timeout="$lock_timeout"
  [[ -n "${PLAN_KEY:-}" ]] || return 0
  plan_key_ok
  local store bucket kms_key sha
  store=$(plan_store)
  read -r bucket kms_key <<<"$store"
  command -v aws >/dev/null || die "'aws' is not on PATH (install the AWS CLI v2)"
  sha=$(sha256_of "$plan_file")
  aws s3api put-object --bucket "$bucket" --key "$PLAN_KEY" --body "$plan_file" \
    --server-side-encryption aws:kms --ssekms-key-id "$kms_key" >/dev/null
  log "saved plan stored at s3://$bucket/$PLAN_KEY (SSE-KMS, the state's key), sha256 $sha"
  output "plan_key=$PLAN_KEY" "plan_sha256=$sha"
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    # shellcheck disable=SC2016 # the backticks are Markdown
    printf '**Saved plan** `s3://%s/%s`, sha256 `%s`: the apply refuses any other file.\n\n' \
      "$bucket" "$PLAN_KEY" "$sha" >>"$GITHUB_STEP_SUMMARY"
  fi
}

fetch_plan() {
  plan_key_ok
  [[ "${PLAN_SHA256:-}" =~ ^[0-9a-f]{64}$ ]] ||
    die "PLAN_SHA256 is not the sha256 of the reviewed plan: refusing to apply a plan nobody saw; $recovery"
  local store bucket kms_key status=0
  store=$(plan_store)
  read -r bucket kms_key <<<"$store"
  command -v aws >/dev/null || die "'aws' is not on PATH (install the AWS CLI v2)"
  mkdir -p "$out"
  rm -f "$plan_file"
  aws s3api get-object --bucket "$bucket" --key "$PLAN_KEY" "$plan_file" >/dev/null 2>"$out/fetch.log" ||
    status=$?
  if [[ "$status" -ne 0 ]]; then
    cat "$out/fetch.log" >&2
    if grep -q -E 'NoSuchKey|Not Found|404' "$out/fetch.log"; then
      die "the saved plan s3://$bucket/$PLAN_KEY is gone (already applied, or removed): nothing was applied; $recovery"
    fi
    die "could not fetch the saved plan s3://$bucket/$PLAN_KEY (aws exit $status): nothing was applied"
  fi
  local sha
  sha=$(sha256_of "$plan_file")
  if [[ "$sha" != "$PLAN_SHA256" ]]; then
    rm -f "$plan_file"
    die "the saved plan's sha256 is $sha, not $PLAN_SHA256 that the plan job showed: nothing was applied; $recovery"
  fi
  log "fetched the reviewed plan s3://$bucket/$PLAN_KEY (sha256 $sha)"
  printf '%s %s\n' "$bucket" "$PLAN_KEY" >"$out/fetched"
}

apply() {
  if [[ -n "${PLAN_KEY:-}" ]]; then fetch_plan; fi
  [[ -s "$plan_file" ]] || die "no saved plan at $plan_file: run 'make terraform-live-plan' first"
  local status=0
  tf apply -input=false -no-color -lock-timeout="$lock_timeout" "$plan_file" 2>&1 |
    tee "$out/apply.log" || status=$?
  if [[ -s "$out/fetched" ]]; then
    local bucket key
    read -r bucket key <"$out/fetched"
    # Applied or stale, this plan can never be applied again.
    if grep -q 'Saved plan is stale' "$out/apply.log" || [[ "$status" -eq 0 ]]; then
      aws s3api delete-object --bucket "$bucket" --key "$key" >/dev/null ||
        log "warning: could not delete s3://$bucket/$key"
    fi
  fi
  if grep -q 'Saved plan is stale' "$out/apply.log"; then
    die "the state changed after this plan was made (another apply ran first): nothing was applied; $recovery"
  fi
  [[ "$status" -eq 0 ]] || die "terraform apply failed (exit $status)"
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
  init | preview | plan | apply | drift) "$1" ;;
  *) die "usage: infra.sh init|preview|plan|apply|drift" ;;
esac
