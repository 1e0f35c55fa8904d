#!/usr/bin/env bash
# Bring up a throwaway one-node OpenStack Swift (memcached, account, container
# and object servers, and a proxy with the s3api middleware and tempauth) on
# 127.0.0.1 with free random ports, create the test bucket, and write
# STATE_DIR/env.
#
# Usage: scripts/swift/start.sh [STATE_DIR]
#   STATE_DIR must be absent or empty; default is a new `mktemp -d` directory.
#   Stop with: scripts/swift/stop.sh STATE_DIR
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
T0=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - T0) / 1000000 )) ms"; }
log() { echo "swift: [$(elapsed)] $*" >&2; }

# tempauth: user "tester" in account "test"; its S3 access key is "test:tester".
ACCESS_KEY=test:tester
SECRET_KEY=stowage-swift-secret
BUCKET=stowage-test
REGION=us-east-1

for b in swift-proxy-server swift-object-server swift-container-server swift-account-server swift-ring-builder memcached node curl; do
  command -v "$b" >/dev/null 2>&1 || { echo "swift: $b not found; run scripts/swift/install.sh" >&2; exit 1; }
done

# ---- state dir ---------------------------------------------------------------
if [ $# -ge 1 ] && [ -n "$1" ]; then
  S="$1"
  mkdir -p "$S"
  if [ -n "$(ls -A "$S")" ]; then
    echo "swift: state dir $S is not empty" >&2
    exit 1
  fi
else
  S="$(mktemp -d "${TMPDIR:-/tmp}/stowage-swift.XXXXXX")"
fi
S="$(cd "$S" && pwd -P)"
case "$S" in
  *[[:space:]]*) echo "swift: state dir path must not contain whitespace: $S" >&2; exit 1 ;;
esac
mkdir -p "$S"/{etc,run,log}
# Marks the directory as ours for stop.sh.
touch "$S/.stowage-swift"

# The object server keeps each object's metadata in xattrs. ext4 holds at
# most about 4 KiB of them per file, less than Swift's own limit
# (max_meta_overall_size 4096 plus its system metadata): a PUT with large
# metadata then fails with ENOSPC, the proxy marks the only device as full and
# answers 503 to every PUT for a minute. tmpfs has no such limit (and keeps
# the data in memory, like RGW's memstore), so the devices live in /dev/shm
# when it is there; $S/srv links to them and stop.sh removes both.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  DEVROOT="$(mktemp -d /dev/shm/stowage-swift-devices.XXXXXX)"
  ln -s "$DEVROOT" "$S/srv"
else
  mkdir "$S/srv"
fi
mkdir -p "$S/srv/node/d1"

# ---- failure handling ----------------------------------------------------------
ok=0
on_exit() {
  local rc=$?
  [ "$ok" = 1 ] && return 0
  echo "swift: start FAILED (rc=$rc) after $(elapsed); state dir kept: $S" >&2
  for f in "$S"/log/*; do
    [ -s "$f" ] || continue
    echo "----- $f (last 40 lines) -----" >&2
    tail -n 40 "$f" >&2 || true
  done
  KEEP=1 "$HERE/stop.sh" "$S" >&2 || true
  exit "$rc"
}
trap on_exit EXIT

# ---- free ports ----------------------------------------------------------------
# Bind five sockets to port 0 at once so the kernel hands out distinct free
# ports, then release them.
PORTS=$(node -e '
    const net = require("net");
    const ss = [0, 1, 2, 3, 4].map(() => net.createServer());
    let n = 0;
    for (const s of ss) s.listen(0, "127.0.0.1", () => {
      if (++n < ss.length) return;
      console.log(ss.map((x) => x.address().port).join(" "));
      for (const x of ss) x.close();
    });')
read -r MC_PORT ACCOUNT_PORT CONTAINER_PORT OBJECT_PORT PROXY_PORT <<<"$PORTS"
[ -n "$PROXY_PORT" ] || { echo "swift: could not pick free ports" >&2; exit 1; }
log "state dir $S; ports memcached=$MC_PORT account=$ACCOUNT_PORT container=$CONTAINER_PORT object=$OBJECT_PORT proxy=$PROXY_PORT"

# ---- configuration ---------------------------------------------------------------
E="$S/etc"
# The default constraints are kept on purpose (max_meta_value_length = 256
# among them): they are what a stock Swift does, and the driver's "swift"
# profile states them.
cat >"$E/swift.conf" <<CONF
[swift-hash]
swift_hash_path_suffix = stowage-$(cat /proc/sys/kernel/random/uuid)
swift_hash_path_prefix = stowage-$(cat /proc/sys/kernel/random/uuid)

[storage-policy:0]
name = Policy-0
default = yes
CONF

server_conf() { # server_conf NAME PORT
  cat >"$E/$1-server.conf" <<CONF
[DEFAULT]
devices = $S/srv/node
mount_check = false
disable_fallocate = true
bind_ip = 127.0.0.1
bind_port = $2
workers = 0
user = $(id -un)
swift_dir = $E
log_name = $1-server
log_facility = LOG_LOCAL0
log_udp_host =
log_level = WARNING

[pipeline:main]
pipeline = $1-server

[app:$1-server]
use = egg:swift#$1
CONF
}
server_conf account "$ACCOUNT_PORT"
server_conf container "$CONTAINER_PORT"
server_conf object "$OBJECT_PORT"

cat >"$E/proxy-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $PROXY_PORT
workers = 0
user = $(id -un)
swift_dir = $E
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:s3api]
use = egg:swift#s3api
location = $REGION

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = $SECRET_KEY .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MC_PORT

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
[filter:symlink]
use = egg:swift#symlink
CONF

# ---- processes (after the rings, which the proxy reads) ----------------------------
# Each runs in the background (setsid: its own session, so a Ctrl-C of the
# caller does not reach it) and its pid is saved for stop.sh.
spawn() { # spawn NAME EXE ARGS...
  local name=$1; shift
  setsid "$@" </dev/null >>"$S/log/$name.out" 2>&1 &
  echo $! >"$S/run/$name.pid"
}
memcached_args=(-l 127.0.0.1 -p "$MC_PORT" -U 0 -m 32)
[ "$(id -u)" -eq 0 ] && memcached_args+=(-u root)
spawn memcached memcached "${memcached_args[@]}"

# ---- rings (one replica, one device each) -----------------------------------------
# One Python process builds all three (swift-ring-builder would be nine
# invocations, about 3.5 s here); Debian's python3 has the swift modules.
# It first checks that the device folder takes 8 KiB of xattrs (see above).
/usr/bin/python3 - "$E" "$ACCOUNT_PORT" "$CONTAINER_PORT" "$OBJECT_PORT" "$S/srv/node/d1" >>"$S/log/rings.out" 2>&1 <<'PY'
import os, sys
from swift.common.ring import RingBuilder
probe = os.path.join(sys.argv[5], ".xattr-probe")
open(probe, "w").close()
try:
    os.setxattr(probe, "user.stowage.probe", b"x" * 8192)
except OSError as error:
    sys.exit(f"the device folder {sys.argv[5]} cannot hold 8 KiB of xattrs ({error}); Swift needs them for object metadata")
finally:
    os.remove(probe)
etc = sys.argv[1]
for name, port in zip(("account", "container", "object"), sys.argv[2:5]):
    builder = RingBuilder(6, 1, 1)  # 2^6 partitions, 1 replica, min_part_hours 1
    builder.add_dev({"region": 1, "zone": 1, "ip": "127.0.0.1", "port": int(port), "device": "d1", "weight": 1})
    builder.rebalance()
    builder.save(f"{etc}/{name}.builder")
    builder.get_ring().save(f"{etc}/{name}.ring.gz")
PY
log "rings built"

for name in account container object proxy; do
  # -v: log to stdout (the .out file); there is no syslog here.
  spawn "$name" "swift-$name-server" "$E/$name-server.conf" -v
done

ENDPOINT="http://127.0.0.1:$PROXY_PORT"
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local limit=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    for f in "$S"/run/*.pid; do
      if ! kill -0 "$(cat "$f")" 2>/dev/null; then
        echo "swift: $(basename "$f" .pid) exited while waiting for $what" >&2
        return 1
      fi
    done
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "swift: timed out after ${limit}s waiting for $what" >&2
      return 1
    fi
    sleep 0.1
  done
}
healthy() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$ENDPOINT/healthcheck")" = 200 ]; }
wait_for 60 "the proxy on $ENDPOINT" healthy
log "proxy answering on $ENDPOINT"

# A signed PUT Bucket is the real readiness check (auth, account
# auto-creation and the container server all work).
create_bucket() {
  AWS_ACCESS_KEY_ID="$ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$SECRET_KEY" \
    node "$HERE/../ceph/create-bucket.mjs" "$ENDPOINT" "$BUCKET" "$REGION" 2>"$S/log/create-bucket.out"
}
wait_for 30 "signed PUT bucket $BUCKET" create_bucket
log "bucket $BUCKET created"

# ---- env file --------------------------------------------------------------------
cat >"$S/env" <<ENV
SWIFT_S3_ENDPOINT=$ENDPOINT
SWIFT_S3_BUCKET=$BUCKET
SWIFT_S3_REGION=$REGION
SWIFT_S3_ACCESS_KEY_ID=$ACCESS_KEY
SWIFT_S3_SECRET_ACCESS_KEY=$SECRET_KEY
SWIFT_STATE_DIR=$S
ENV
ok=1
cat "$S/env"
log "ready in $(elapsed)"
