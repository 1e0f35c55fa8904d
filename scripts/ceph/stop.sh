#!/usr/bin/env bash
# Stop the cluster started by start.sh and remove its state dir.
#
# Usage: scripts/ceph/stop.sh STATE_DIR      (KEEP=1 keeps the state dir)
#
# Daemons are stopped by the pid in their pid file, in the order radosgw, osd,
# mon: SIGTERM, wait up to ~5 s, then SIGKILL. Never by process name.
set -uo pipefail

if [ $# -lt 1 ] || [ -z "$1" ]; then
  echo "usage: $0 STATE_DIR" >&2
  exit 2
fi
S="$1"
if [ ! -d "$S" ]; then
  echo "ceph: state dir $S does not exist; nothing to stop" >&2
  exit 0
fi
if [ ! -f "$S/ceph.conf" ] && [ ! -d "$S/run" ]; then
  echo "ceph: $S does not look like a start.sh state dir; refusing" >&2
  exit 1
fi

# Running = exists and is not a zombie (daemons get re-parented and may be
# reaped late by whatever runs as pid 1).
alive() {
  local st
  st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

# The pid belongs to the expected daemon (guards against a recycled pid).
is_daemon() { # is_daemon PID EXE_NAME
  local exe
  exe=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | awk '{print $1}')
  [ "$(basename -- "${exe:-none}")" = "$2" ]
}

stop_pidfile() { # stop_pidfile PIDFILE EXE_NAME
  local f=$1 exe=$2 pid i
  [ -f "$f" ] || return 0
  pid=$(tr -dc '0-9' <"$f")
  [ -n "$pid" ] || return 0
  if ! alive "$pid" || ! is_daemon "$pid" "$exe"; then
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do
    alive "$pid" || return 0
    sleep 0.1
  done
  echo "ceph: $exe (pid $pid) did not exit on SIGTERM; sending SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
  for i in $(seq 50); do
    alive "$pid" || return 0
    sleep 0.1
  done
  echo "ceph: $exe (pid $pid) still running after SIGKILL" >&2
  return 1
}

rc=0
for f in "$S"/run/client.rgw.*.pid; do stop_pidfile "$f" radosgw || rc=1; done
for f in "$S"/run/osd.*.pid; do stop_pidfile "$f" ceph-osd || rc=1; done
for f in "$S"/run/mon.*.pid; do stop_pidfile "$f" ceph-mon || rc=1; done

if [ "${KEEP:-0}" = 1 ]; then
  echo "ceph: stopped; state dir kept: $S" >&2
elif [ "$rc" = 0 ]; then
  rm -rf -- "$S"
  echo "ceph: stopped; removed $S" >&2
else
  echo "ceph: some daemons did not stop; state dir kept: $S" >&2
fi
exit "$rc"
