#!/usr/bin/env bash
# Stop the Azurite started by start.sh (by the pid in its pid file, never by
# name) and remove its state dir. Usage: scripts/azurite/stop.sh STATE_DIR
# (KEEP=1 keeps the state dir).
set -uo pipefail
if [ $# -lt 1 ] || [ -z "$1" ]; then echo "usage: $0 STATE_DIR" >&2; exit 2; fi
S="$1"
if [ ! -d "$S" ]; then echo "azurite: $S does not exist; nothing to stop" >&2; exit 0; fi
if [ ! -f "$S/azurite.pid" ]; then echo "azurite: $S has no azurite.pid; refusing" >&2; exit 1; fi
pid=$(tr -dc '0-9' <"$S/azurite.pid")
alive() { local st; st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1; [ -n "$st" ] && [ "$st" != Z ]; }
rc=0
if [ -n "$pid" ] && alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'azurite'; then
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
  alive "$pid" && { echo "azurite: pid $pid still running" >&2; rc=1; }
fi
if [ "${KEEP:-0}" = 1 ] || [ "$rc" != 0 ]; then
  echo "azurite: stopped; state dir kept: $S" >&2
else
  rm -rf -- "$S"; echo "azurite: stopped; removed $S" >&2
fi
exit "$rc"
