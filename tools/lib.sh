# Shared by the operator scripts (deploy/deploy.sh, platform/sync.sh): input and tool checks that
# fail with one message naming the fix. Source it after setting `script` (the message prefix).
# shellcheck shell=bash

# die MESSAGE: print "SCRIPT: error: MESSAGE" and exit 2 (bad input or a missing tool).
die() {
  printf '%s: error: %s\n' "${script:?set script before sourcing tools/lib.sh}" "$*" >&2
  exit 2
}

# require NAME REGEX WHAT: the variable NAME must be set and match REGEX; WHAT describes it.
require() {
  local value=${!1:-}
  [[ -n "$value" ]] || die "$1 is not set: $3"
  [[ "$value" =~ $2 ]] || die "$1='$value' is not $3"
}

# need TOOL...: every TOOL must be on PATH.
need() {
  local tool hint
  for tool in "$@"; do
    case "$tool" in
      aws) hint="install the AWS CLI v2" ;;
      python3) hint="install Python 3" ;;
      *) hint="run 'make tools'" ;;
    esac
    command -v "$tool" >/dev/null || die "'$tool' is not installed: $hint"
  done
}
