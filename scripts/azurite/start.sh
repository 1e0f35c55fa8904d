#!/usr/bin/env bash
# Start a throwaway Azurite blob service on 127.0.0.1 at a free port, create
# the test container and write STATE_DIR/env.
#
# Usage: scripts/azurite/start.sh [STATE_DIR]
#   STATE_DIR must be absent or empty; default is a new `mktemp -d` directory.
#   Stop with: scripts/azurite/stop.sh STATE_DIR
#
# Azurite is not a workspace dependency: the pinned version is installed into
# .tmp/azurite on first use and run with the Node 24 binary from node24.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VERSION=3.37.0
ACCOUNT=devstoreaccount1
# Azurite's well-known development key (public, documented by Microsoft).
KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
CONTAINER=stowage-test
log() { echo "azurite: $*" >&2; }

if [ $# -ge 1 ] && [ -n "$1" ]; then
  S="$1"
  mkdir -p "$S"
  if [ -n "$(ls -A "$S")" ]; then log "state dir $S is not empty"; exit 1; fi
else
  S="$(mktemp -d "${TMPDIR:-/tmp}/stowage-azurite.XXXXXX")"
fi
S="$(cd "$S" && pwd -P)"
mkdir -p "$S/data"

NODE24="$(bash "$ROOT/scripts/node24.sh")"
PREFIX="$ROOT/.tmp/azurite"
MAIN="$PREFIX/node_modules/azurite/dist/src/blob/main.js"
installed=$(node -p "try{require('$PREFIX/node_modules/azurite/package.json').version}catch{''}" 2>/dev/null || true)
if [ "$installed" != "$VERSION" ]; then
  log "installing azurite@$VERSION into $PREFIX"
  npm install --no-save --no-package-lock --prefix "$PREFIX" "azurite@$VERSION" >"$S/npm.log" 2>&1 \
    || { log "npm install failed:"; tail -n 20 "$S/npm.log" >&2; exit 1; }
fi
[ -f "$MAIN" ] || { log "azurite entry $MAIN not found"; exit 1; }

PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
"$NODE24" "$MAIN" --blobHost 127.0.0.1 --blobPort "$PORT" --location "$S/data" --silent \
  >"$S/azurite.log" 2>&1 &
echo $! >"$S/azurite.pid"
ENDPOINT="http://127.0.0.1:$PORT/$ACCOUNT"

# Wait until it answers (any HTTP status), then create the container with a
# SharedKey-signed request made by scripts/azurite/create-container.mjs.
for i in $(seq 100); do
  if curl -s -o /dev/null "$ENDPOINT?comp=list" 2>/dev/null; then break; fi
  if ! kill -0 "$(cat "$S/azurite.pid")" 2>/dev/null; then
    log "azurite exited:"; tail -n 40 "$S/azurite.log" >&2; exit 1
  fi
  sleep 0.1
done
node "$HERE/create-container.mjs" "$ENDPOINT" "$ACCOUNT" "$KEY" "$CONTAINER" \
  || { log "creating container failed"; KEEP=1 bash "$HERE/stop.sh" "$S"; exit 1; }

cat >"$S/env" <<ENV
AZURE_BLOB_ENDPOINT=$ENDPOINT
AZURE_STORAGE_ACCOUNT=$ACCOUNT
AZURE_STORAGE_KEY=$KEY
AZURE_CONTAINER=$CONTAINER
ENV
log "ready at $ENDPOINT (state $S)"
echo "$S"
