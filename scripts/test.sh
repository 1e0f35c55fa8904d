#!/usr/bin/env bash
# The whole test suite: system parts (Ceph RGW, OpenStack Swift, Azurite, Chromium), typecheck, build,
# publint and attw, every vitest project on Node 20, the Node-side suites on
# Node 24, the S3 suites on Node 22, and the single-package install checks.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
started=$(date +%s)
stamp() { echo "=== [$(( $(date +%s) - started ))s] $*"; }

stamp "system packages"
bash scripts/system-deps.sh

stamp "starting Ceph RGW and OpenStack Swift (the two real S3 servers)"
ceph_state=""
swift_state=""
azurite_state=""
stop_servers() {
  if [ -n "$azurite_state" ]; then bash scripts/azurite/stop.sh "$azurite_state" || true; fi
  if [ -n "$swift_state" ]; then bash scripts/swift/stop.sh "$swift_state" || true; fi
  if [ -n "$ceph_state" ]; then bash scripts/ceph/stop.sh "$ceph_state" || true; fi
}
trap stop_servers EXIT
# Swift starts in the background while Ceph comes up (about 4 s and 2 s).
swift_pid=""
if command -v swift-proxy-server >/dev/null 2>&1 && command -v memcached >/dev/null 2>&1; then
  swift_state=$(mktemp -d /tmp/stowage-swift.XXXXXX)
  rmdir "$swift_state"
  bash scripts/swift/start.sh "$swift_state" >/dev/null &
  swift_pid=$!
elif [ "${CI:-}" = "true" ]; then
  echo "OpenStack Swift could not be installed, and CI=true forbids skipping the S3 suite on it" >&2
  exit 1
else
  echo "!!! WARNING: OpenStack Swift is not installed; the s3-swift suite will try to start one and skip without it !!!" >&2
fi
if command -v radosgw >/dev/null 2>&1; then
  ceph_state=$(mktemp -d /tmp/stowage-ceph.XXXXXX)
  rmdir "$ceph_state"
  bash scripts/ceph/start.sh "$ceph_state" >/dev/null
  set -a; . "$ceph_state/env"; set +a
  echo "RGW at $S3_ENDPOINT"
elif [ "${CI:-}" = "true" ]; then
  echo "Ceph RGW could not be installed, and CI=true forbids skipping the S3 suite" >&2
  exit 1
else
  echo "!!! WARNING: Ceph RGW is not installed; the S3 suites will be SKIPPED !!!" >&2
fi
if [ -n "$swift_pid" ]; then
  if wait "$swift_pid"; then
    set -a; . "$swift_state/env"; set +a
    echo "Swift at $SWIFT_S3_ENDPOINT"
  elif [ "${CI:-}" = "true" ]; then
    echo "OpenStack Swift did not start (its log is above), and CI=true forbids skipping the S3 suite on it" >&2
    exit 1
  else
    echo "!!! WARNING: OpenStack Swift did not start; the s3-swift suite will try to start its own !!!" >&2
  fi
fi

# Azurite (Microsoft's Azure Storage emulator, from npm, on the Node 24 binary
# scripts/node24.sh installs) for the azure suites. start.sh fails the run
# when it cannot install or start, so CI=true never skips them.
stamp "starting Azurite"
azurite_state=$(mktemp -d /tmp/stowage-azurite.XXXXXX)
bash scripts/azurite/start.sh "$azurite_state" >/dev/null
set -a; . "$azurite_state/env"; set +a
echo "Azurite at $AZURE_BLOB_ENDPOINT"

stamp "build, typecheck, publint, attw"
pnpm exec turbo run build typecheck lint:package --output-logs=errors-only

stamp "vitest on Node $(node --version), Node-side projects"
pnpm exec vitest run $(node scripts/vitest-projects.mjs --not-workerd)

stamp "vitest on Node $(node --version), workerd projects"
# The workerd pool (@cloudflare/vitest-pool-workers) can stall mid-run with
# a workerd process spinning and no further output (upstream:
# cloudflare/workers-sdk#15498; here it stalled twice in a row once a third
# workerd project joined). So each workerd project runs on its own: a run
# that outlives 150 s (r2, the longest, takes 30-50 s alone) is killed, with its
# whole process group, and run again, at most 4 times, saying so. A test
# failure is not retried.
for project in $(node scripts/vitest-projects.mjs --workerd | sed 's/--project //g'); do
  attempt=1
  while :; do
    workerd_status=0
    timeout --kill-after=30 150 pnpm exec vitest run --project "$project" || workerd_status=$?
    if [ "$workerd_status" -eq 0 ]; then break; fi
    if [ "$workerd_status" -ne 124 ] && [ "$workerd_status" -ne 137 ]; then exit "$workerd_status"; fi
    if [ "$attempt" -ge 4 ]; then
      echo "!!! the workerd project $project stalled 4 times in a row !!!" >&2
      exit 1
    fi
    attempt=$((attempt + 1))
    echo "!!! the workerd project $project did not finish in 150 s (a stalled worker pool); attempt $attempt of 4 !!!" >&2
    stamp "vitest on Node $(node --version), workerd project $project, attempt $attempt"
  done
done

stamp "Node-side suites on Node 24"
node24=$(bash scripts/node24.sh)
"$node24" --version
"$node24" node_modules/vitest/vitest.mjs run $(node scripts/node-projects.mjs)

# @stowage/s3 declares engines node >= 22 (the AWS SDK's releases after the
# first week of January 2027 need it): its oldest supported Node runs the
# suites that load it. On Node 20 above it still runs, and the SDK's warning
# is left visible there on purpose.
stamp "S3 suites on Node 22 (the oldest Node @stowage/s3 supports)"
node22=$(bash scripts/node22.sh)
"$node22" --version
"$node22" node_modules/vitest/vitest.mjs run --project s3 --project open

stamp "conformance cases on memory in Node, Bun and Deno"
node scripts/runtime-smoke.mjs --no-build

if [ -f scripts/pack-test.mjs ]; then
  stamp "single-package installs from packed tarballs"
  node scripts/pack-test.mjs
fi

stamp "provider matrix: docs/provider-matrix.md matches this run's conformance results"
node scripts/provider-matrix.mjs --check --since "$started"

stamp "all tests passed"
