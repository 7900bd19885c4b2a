#!/usr/bin/env bash
# Starts the release binary the way the distroless image runs it: no environment at all,
# as UID/GID 65532, in a working directory it cannot write to. Passes when /readyz answers 200.
#
# Root is needed for setpriv and for a private network namespace; the namespace keeps the
# default ports 8080/9090 (no APP_PORT in an empty environment) clear of anything else running.
set -euo pipefail

usage() { echo "usage: $0 <path to the release webapp binary>" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
binary=$(realpath "$1")
[[ -x "$binary" ]] || { echo "not an executable: $binary (run 'make app-build')" >&2; exit 2; }

if [[ $EUID -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "$0 needs root (setpriv, unshare) and sudo is missing" >&2; exit 1; }
  exec sudo -n "$0" "$binary"
fi
for tool in unshare setpriv ip curl; do
  command -v "$tool" >/dev/null || { echo "$0 needs '$tool' (util-linux, iproute2, curl)" >&2; exit 1; }
done

# Inside the namespace: the actual test.
if [[ "${EMPTY_ENV_INSIDE_NETNS:-}" == 1 ]]; then
  ip link set lo up
  workdir=$(mktemp -d)
  log="$workdir.log"
  cp "$binary" "$workdir/webapp"
  chmod 0555 "$workdir" "$workdir/webapp"
  pid=""
  cleanup() {
    # Best effort on every path out, including after a failed check.
    set +e
    [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$workdir" "$log"
  }
  trap cleanup EXIT
  cd "$workdir"
  env -i setpriv --reuid=65532 --regid=65532 --clear-groups ./webapp >"$log" 2>&1 &
  pid=$!
  cd /
  # 50 tries x 100 ms: start-up takes milliseconds, so 5 s is a generous bound.
  for _ in $(seq 50); do
    if status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 http://127.0.0.1:9090/readyz) \
        && [[ "$status" == 200 ]]; then
      uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
      [[ "$uid" == 65532 ]] || { echo "FAIL: runs as UID $uid, not 65532" >&2; exit 1; }
      [[ $(tr '\0' '\n' <"/proc/$pid/environ" | wc -l) -eq 0 ]] \
        || { echo "FAIL: the environment is not empty" >&2; exit 1; }
      # Graceful exit: SIGTERM, default 5 s drain, then exit 0.
      kill -TERM "$pid"
      wait "$pid" && code=0 || code=$?
      pid=""
      [[ $code -eq 0 ]] || { echo "FAIL: exit code $code after SIGTERM" >&2; cat "$log" >&2; exit 1; }
      echo "PASS: empty environment, UID 65532, read-only working directory: /readyz 200, clean exit"
      exit 0
    fi
    kill -0 "$pid" 2>/dev/null || { echo "FAIL: the binary exited early:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "FAIL: /readyz did not answer 200 within 5 s:" >&2
  cat "$log" >&2
  exit 1
fi

EMPTY_ENV_INSIDE_NETNS=1 exec unshare --net "$0" "$binary"
