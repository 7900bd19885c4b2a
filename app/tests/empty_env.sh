#!/usr/bin/env bash
# Starts the release binary the way the distroless image runs it: no environment at all,
# as UID/GID 65532, in a working directory it cannot write to. Passes when /readyz answers 200
# and a SIGTERM then ends the process with exit code 0.
#
# Root is needed for setpriv and for a private network namespace; the namespace keeps the
# default ports 8080/9090 (an empty environment sets no APP_PORT) clear of anything else running.
set -euo pipefail

usage() { echo "usage: $0 <path to the release webapp binary>" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
binary=$(realpath "$1")
[[ -x "$binary" ]] || { echo "not an executable: $binary (run 'make app-build')" >&2; exit 2; }

workdir=""
pid=""
cleanup() {
  # Best effort on every way out, including after a failed check.
  set +e
  [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [[ -n "$workdir" ]] && rm -rf "$workdir" "$workdir.log"
}

fail() {
  echo "FAIL: $*" >&2
  [[ -f "$workdir.log" ]] && cat "$workdir.log" >&2
  exit 1
}

# Runs inside the private network namespace.
check_empty_env_start() {
  ip link set lo up
  workdir=$(mktemp -d)
  trap cleanup EXIT
  cp "$binary" "$workdir/webapp"
  chmod 0555 "$workdir" "$workdir/webapp"
  (cd "$workdir" && exec env -i setpriv --reuid=65532 --regid=65532 --clear-groups ./webapp) \
    >"$workdir.log" 2>&1 &
  pid=$!
  # 50 tries x 100 ms: start-up takes milliseconds, so 5 s is a generous bound.
  for _ in $(seq 50); do
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 http://127.0.0.1:9090/readyz) || status=none
    if [[ "$status" == 200 ]]; then
      uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
      [[ "$uid" == 65532 ]] || fail "runs as UID $uid, not 65532"
      [[ ! -s "/proc/$pid/environ" ]] || fail "the environment is not empty"
      # The default drain delay is 5 s; then the process must exit 0.
      kill -TERM "$pid"
      code=0
      wait "$pid" || code=$?
      pid=""
      [[ $code -eq 0 ]] || fail "exit code $code after SIGTERM"
      echo "PASS: empty environment, UID 65532, read-only working directory: /readyz 200, clean exit"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || fail "the binary exited early"
    sleep 0.1
  done
  fail "/readyz did not answer 200 within 5 s"
}

if [[ "${EMPTY_ENV_INSIDE_NETNS:-}" == 1 ]]; then
  check_empty_env_start
  exit 0
fi
if [[ $EUID -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "$0 needs root (setpriv, unshare) and sudo is missing" >&2; exit 1; }
  exec sudo -n "$0" "$binary"
fi
for tool in unshare setpriv ip curl; do
  command -v "$tool" >/dev/null || { echo "$0 needs '$tool' (util-linux, iproute2, curl)" >&2; exit 1; }
done
EMPTY_ENV_INSIDE_NETNS=1 exec unshare --net "$0" "$binary"
