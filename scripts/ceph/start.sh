#!/usr/bin/env bash
# Bring up a throwaway one-node Ceph cluster (1 mon, 1 memstore osd, radosgw)
# on 127.0.0.1 with free random ports, create the test S3 user and bucket,
# and write STATE_DIR/env.
#
# Usage: scripts/ceph/start.sh [STATE_DIR]
#   STATE_DIR must be absent or empty; default is a new `mktemp -d` directory.
#   Stop with: scripts/ceph/stop.sh STATE_DIR
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
T0=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - T0) / 1000000 )) ms"; }
log() { echo "ceph: [$(elapsed)] $*" >&2; }

ACCESS_KEY=stowage-test-key
SECRET_KEY=stowage-test-secret
BUCKET=stowage-test
REGION=us-east-1

for b in ceph ceph-mon ceph-osd ceph-authtool monmaptool radosgw radosgw-admin; do
  command -v "$b" >/dev/null 2>&1 || { echo "ceph: $b not found; run scripts/ceph/install.sh" >&2; exit 1; }
done
for b in node curl; do
  command -v "$b" >/dev/null 2>&1 || { echo "ceph: $b not found" >&2; exit 1; }
done

# ---- state dir ---------------------------------------------------------------
if [ $# -ge 1 ] && [ -n "$1" ]; then
  S="$1"
  mkdir -p "$S"
  if [ -n "$(ls -A "$S")" ]; then
    echo "ceph: state dir $S is not empty" >&2
    exit 1
  fi
else
  S="$(mktemp -d "${TMPDIR:-/tmp}/stowage-ceph.XXXXXX")"
fi
S="$(cd "$S" && pwd -P)"
case "$S" in
  *[[:space:]]*) echo "ceph: state dir path must not contain whitespace: $S" >&2; exit 1 ;;
esac
mkdir -p "$S"/{run,log,mon,osd,rgw,crash}
CONF="$S/ceph.conf"
export CEPH_CONF="$CONF"

# ---- failure handling ----------------------------------------------------------
ok=0
on_exit() {
  local rc=$?
  [ "$ok" = 1 ] && return 0
  echo "ceph: start FAILED (rc=$rc) after $(elapsed); state dir kept: $S" >&2
  for f in "$S"/log/*; do
    [ -s "$f" ] || continue
    echo "----- $f (last 40 lines) -----" >&2
    tail -n 40 "$f" >&2 || true
  done
  KEEP=1 "$HERE/stop.sh" "$S" >&2 || true
  exit "$rc"
}
trap on_exit EXIT

# Run a ceph CLI command with a hard time limit (the CLI blocks forever when
# the mon is unreachable).
c() { timeout 10 ceph -c "$CONF" "$@"; }

# ---- free ports ----------------------------------------------------------------
# Bind three sockets to port 0 at once so the kernel hands out distinct free
# ports, then release them.
PORTS=$(node -e '
    const net = require("net");
    const ss = [0, 1, 2].map(() => net.createServer());
    let n = 0;
    for (const s of ss) s.listen(0, "127.0.0.1", () => {
      if (++n < ss.length) return;
      console.log(ss.map((x) => x.address().port).join(" "));
      for (const x of ss) x.close();
    });')
read -r MON_V2 MON_V1 RGW_PORT <<<"$PORTS"
[ -n "$RGW_PORT" ] || { echo "ceph: could not pick free ports" >&2; exit 1; }

FSID=$(cat /proc/sys/kernel/random/uuid)
MON_ADDRS="[v2:127.0.0.1:$MON_V2,v1:127.0.0.1:$MON_V1]"

# ---- ceph.conf -------------------------------------------------------------------
cat >"$CONF" <<EOF
[global]
fsid = $FSID
mon initial members = a
mon host = $MON_ADDRS
public addr = 127.0.0.1
ms bind ipv6 = false
run dir = $S/run
crash dir = $S/crash
admin socket = $S/run/\$name.asok
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
auth allow insecure global id reclaim = false

[client.admin]
keyring = $S/admin.keyring
admin socket =

[mon]
mon data = $S/mon/\$id
keyring = $S/mon/\$id/keyring
log file = $S/log/\$name.log
pid file = $S/run/\$name.pid
paxos propose interval = 0.05
mon cluster log file = default=$S/log/ceph.\$channel.log cluster=$S/log/ceph.log

[osd]
osd data = $S/osd/\$id
keyring = $S/osd/\$id/keyring
log file = $S/log/\$name.log
pid file = $S/run/\$name.pid
osd objectstore = memstore
memstore device bytes = 2147483648

[client.rgw.gw]
rgw data = $S/rgw
keyring = $S/rgw/keyring
log file = $S/log/\$name.log
pid file = $S/run/\$name.pid
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT tcp_nodelay=1
rgw thread pool size = 64
rgw gc obj min wait = 0
rgw gc processor period = 10
EOF

# ---- keys + mon ------------------------------------------------------------------
log "state dir $S; ports mon=$MON_V2/$MON_V1 rgw=$RGW_PORT"
ceph-authtool --create-keyring "$S/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool --create-keyring "$S/admin.keyring" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$S/mon.keyring" --import-keyring "$S/admin.keyring" >/dev/null
monmaptool --create --fsid "$FSID" --addv a "$MON_ADDRS" "$S/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$S/monmap" --keyring "$S/mon.keyring" \
  </dev/null >>"$S/log/mon.a.out" 2>&1
ceph-mon -c "$CONF" -i a </dev/null >>"$S/log/mon.a.out" 2>&1

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local limit=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "ceph: timed out after ${limit}s waiting for $what" >&2
      return 1
    fi
    sleep 0.1
  done
}
wait_for 30 "mon" c mon stat
log "mon up"

# ---- osd -------------------------------------------------------------------------
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
OSD_SECRET=$(ceph-authtool --gen-print-key)
OSD_ID=$(echo "{\"cephx_secret\": \"$OSD_SECRET\"}" | c osd new "$OSD_UUID" -i -)
mkdir -p "$S/osd/$OSD_ID"
ceph-authtool --create-keyring "$S/osd/$OSD_ID/keyring" --name "osd.$OSD_ID" --add-key "$OSD_SECRET" >/dev/null
ceph-osd -c "$CONF" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" </dev/null >>"$S/log/osd.$OSD_ID.out" 2>&1
ceph-osd -c "$CONF" -i "$OSD_ID" </dev/null >>"$S/log/osd.$OSD_ID.out" 2>&1
osd_up() { c osd dump -f json | grep -q '"up":1'; }
wait_for 30 "osd.$OSD_ID up" osd_up
log "osd.$OSD_ID up"

# ---- radosgw ---------------------------------------------------------------------
c auth get-or-create client.rgw.gw mon 'allow rw' osd 'allow rwx' -o "$S/rgw/keyring" >/dev/null
radosgw -c "$CONF" -n client.rgw.gw </dev/null >>"$S/log/client.rgw.gw.out" 2>&1
ENDPOINT="http://127.0.0.1:$RGW_PORT"
rgw_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$ENDPOINT/")" = 200 ]; }
wait_for 60 "radosgw on $ENDPOINT" rgw_ok
log "radosgw answering on $ENDPOINT"

# ---- S3 user + bucket ----------------------------------------------------------------
timeout 30 radosgw-admin -c "$CONF" user create --uid=stowage-test --display-name="Stowage test" \
  --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >"$S/log/user-create.out" 2>&1
# A signed PUT Bucket is the real readiness check (auth + rados writes work).
create_bucket() {
  AWS_ACCESS_KEY_ID="$ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$SECRET_KEY" \
    node "$HERE/create-bucket.mjs" "$ENDPOINT" "$BUCKET" "$REGION" 2>"$S/log/create-bucket.out"
}
wait_for 30 "signed PUT bucket $BUCKET" create_bucket
log "bucket $BUCKET created"

# ---- env file --------------------------------------------------------------------
cat >"$S/env" <<EOF
S3_ENDPOINT=$ENDPOINT
S3_BUCKET=$BUCKET
S3_REGION=$REGION
AWS_ACCESS_KEY_ID=$ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$SECRET_KEY
CEPH_STATE_DIR=$S
EOF
ok=1
cat "$S/env"
log "ready in $(elapsed)"
