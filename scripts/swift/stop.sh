#!/usr/bin/env bash
# Stop the Swift started by start.sh and remove its state dir.
#
# Usage: scripts/swift/stop.sh STATE_DIR      (KEEP=1 keeps the state dir)
#
# Processes are stopped by the pid start.sh saved, proxy first, then the
# object, container and account servers, then memcached: SIGTERM, wait up to
# ~5 s, then SIGKILL. Never by process name.
set -uo pipefail

if [ $# -lt 1 ] || [ -z "$1" ]; then
  echo "usage: $0 STATE_DIR" >&2
  exit 2
fi
S="$1"
if [ ! -d "$S" ]; then
  echo "swift: state dir $S does not exist; nothing to stop" >&2
  exit 0
fi
if [ ! -f "$S/.stowage-swift" ]; then
  echo "swift: $S does not look like a start.sh state dir; refusing" >&2
  exit 1
fi

alive() {
  local st
  st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

# The pid still runs what start.sh started (guards against a recycled pid):
# its command line names the expected program.
is_ours() { # is_ours PID WORD
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q -- "$2"
}

stop_pidfile() { # stop_pidfile NAME WORD
  local f="$S/run/$1.pid" pid i
  [ -f "$f" ] || return 0
  pid=$(tr -dc '0-9' <"$f")
  [ -n "$pid" ] || return 0
  if ! alive "$pid" || ! is_ours "$pid" "$2"; then
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do
    alive "$pid" || return 0
    sleep 0.1
  done
  echo "swift: $1 (pid $pid) did not exit on SIGTERM; sending SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
  for i in $(seq 50); do
    alive "$pid" || return 0
    sleep 0.1
  done
  echo "swift: $1 (pid $pid) still running after SIGKILL" >&2
  return 1
}

rc=0
for name in proxy object container account; do
  stop_pidfile "$name" "swift-$name-server $S/etc/" || rc=1
done
stop_pidfile memcached memcached || rc=1

if [ "${KEEP:-0}" = 1 ]; then
  echo "swift: stopped; state dir kept: $S (objects in $(readlink -- "$S/srv" 2>/dev/null || echo "$S/srv"))" >&2
elif [ "$rc" = 0 ]; then
  # The devices folder start.sh made in /dev/shm ($S/srv links to it).
  if [ -L "$S/srv" ]; then
    devroot=$(readlink -- "$S/srv")
    case "$devroot" in
      /dev/shm/stowage-swift-devices.*) rm -rf -- "$devroot" ;;
    esac
  fi
  rm -rf -- "$S"
  echo "swift: stopped; removed $S" >&2
else
  echo "swift: some processes did not stop; state dir kept: $S" >&2
fi
exit "$rc"
