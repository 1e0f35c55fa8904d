#!/usr/bin/env bash
# The one root command: typecheck, build, publint and attw for every package,
# then every test project (Node 20), then the Node-side projects on Node 24.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
pnpm exec turbo run build typecheck lint:package --output-logs=errors-only
pnpm exec vitest run
node24=$(bash scripts/node24.sh)
"$node24" node_modules/vitest/vitest.mjs run $(node scripts/node-projects.mjs)
