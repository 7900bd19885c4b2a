#!/usr/bin/env bash
# Proves each linter can fail: every tool must reject its deliberately broken fixture, and for
# the reason the fixture was written for. A linter that passes everything would pass here too,
# were it not for these checks.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
passed=0
failed=0

# expect_reject NAME PATTERN CMD...: CMD must exit non-zero and print PATTERN.
expect_reject() {
  local name=$1 pattern=$2 out rc
  shift 2
  out=$("$@" 2>&1)
  rc=$?
  if ((rc != 0)) && grep -qE -- "$pattern" <<<"$out"; then
    passed=$((passed + 1))
    printf 'ok    %-14s rejected (%s)\n' "$name" "$pattern"
  else
    failed=$((failed + 1))
    printf 'FAIL  %-14s exit %s, expected non-zero and /%s/ in:\n%s\n' "$name" "$rc" "$pattern" "$out"
  fi
}

cd "$here"
# yamllint reads stdin so that the repo config's ignore list (which names this folder) still
# applies to the tree while its rules apply here.
expect_reject yamllint 'key-duplicates' sh -c "yamllint -c '$root/.yamllint.yaml' - <bad.yaml"
expect_reject shellcheck 'SC2086' shellcheck bad.sh
expect_reject hadolint 'DL3006' hadolint Dockerfile
expect_reject rustfmt 'Diff in' rustfmt --check --edition 2021 unformatted.rs
expect_reject clippy 'clippy::ptr_arg' cargo clippy --quiet --offline \
  --manifest-path clippy/Cargo.toml --target-dir "$root/target/lint-fixtures" -- -D warnings
expect_reject terraform-fmt 'main.tf' terraform fmt -check terraform-fmt
expect_reject actionlint 'potentially untrusted' actionlint workflows/injection.yml
expect_reject zizmor 'template-injection' zizmor --offline workflows/injection.yml
for rule in excessive-permissions artipacked template-injection; do
  expect_reject "zizmor $rule" "$rule" zizmor --offline --persona auditor workflows/hardening.yml
done
# One checkov run (it takes seconds) for both fixtures in checkov/: open SSH and an IAM wildcard.
checkov_out=$(cd checkov && checkov -d . --framework terraform --skip-download --compact --quiet 2>&1)
checkov_rc=$?
replay() { printf '%s\n' "$checkov_out"; return "$checkov_rc"; }
expect_reject checkov 'CKV_AWS_24' replay
expect_reject checkov-iam 'CKV_AWS_62' replay
expect_reject ruff 'F401' ruff check --no-cache bad.py
expect_reject ruff-pytest 'PT009' ruff check --no-cache unittest_style.py
expect_reject ruff-format 'would be reformatted' ruff format --no-cache --check bad.py
expect_reject promtool 'could not parse expression' promtool check rules rules/bad.rules.yaml

echo "lint-fixtures: $passed passed, $failed failed"
((failed == 0))
