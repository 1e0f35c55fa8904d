#!/usr/bin/env bash
# Start radosgw again in a cluster made by start.sh, after it was killed (the
# mon and osd keep running, so the cluster's data, open multipart uploads
# included, survives). Same config, same port. Waits until GET / answers 200.
#
# Usage: scripts/ceph/restart-rgw.sh STATE_DIR
set -euo pipefail

if [ $# -lt 1 ] || [ -z "$1" ]; then
  echo "usage: $0 STATE_DIR" >&2
  exit 2
fi
S="$1"
[ -f "$S/ceph.conf" ] && [ -f "$S/env" ] || { echo "ceph: $S is not a start.sh state dir" >&2; exit 1; }
ENDPOINT=$(sed -n 's/^S3_ENDPOINT=//p' "$S/env")

alive() {
  local st
  st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}
PIDFILE="$S/run/client.rgw.gw.pid"
if [ -f "$PIDFILE" ]; then
  pid=$(tr -dc '0-9' <"$PIDFILE")
  if [ -n "$pid" ] && alive "$pid"; then
    echo "ceph: radosgw (pid $pid) is still running" >&2
    exit 1
  fi
fi

radosgw -c "$S/ceph.conf" -n client.rgw.gw </dev/null >>"$S/log/client.rgw.gw.out" 2>&1
deadline=$(( $(date +%s) + 60 ))
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$ENDPOINT/")" = 200 ]; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "ceph: radosgw did not answer on $ENDPOINT within 60 s" >&2
    exit 1
  fi
  sleep 0.1
done
echo "ceph: radosgw answering again on $ENDPOINT" >&2
