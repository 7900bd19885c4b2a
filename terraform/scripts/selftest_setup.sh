#!/usr/bin/env bash
# terraform.sh must fail loudly, with the way out, when the CLI or the provider is missing.
set -euo pipefail

script="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/terraform.sh"
failures=0

# expect_failure NAME NEEDLE COMMAND...: COMMAND exits non-zero and its stderr contains NEEDLE.
expect_failure() {
  local name=$1 needle=$2 err status=0
  shift 2
  err=$("$@" 2>&1 >/dev/null) || status=$?
  if ((status == 0)) || [[ "$err" != *"$needle"* ]]; then
    printf 'selftest_setup: FAIL %s (exit %s): %s\n' "$name" "$status" "$err" >&2
    failures=$((failures + 1))
  else
    printf 'selftest_setup: ok   %s\n' "$name"
  fi
}

empty=$(mktemp -d)
no_terraform=$(mktemp -d)
trap 'rm -rf "$empty" "$no_terraform"' EXIT
# A PATH with what terraform.sh needs before its CLI check, and no terraform.
for tool in bash dirname; do ln -s "$(command -v "$tool")" "$no_terraform/$tool"; done

expect_failure "mirror without the AWS provider" "terraform providers mirror" \
  env TF_PROVIDER_MIRROR="$empty" "$script" config
expect_failure "no terraform on PATH" "terraform not found" \
  env PATH="$no_terraform" "$script" config
expect_failure "unknown subcommand" "usage:" "$script" plan

((failures == 0)) || exit 1
