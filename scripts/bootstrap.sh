#!/bin/sh
# Entry point for the README's two commands. A fresh machine has Node and npm
# only: this installs the pinned pnpm locally (no global install), installs
# the workspace, then runs the demo or the whole test suite.
set -eu
cd "$(dirname "$0")/.."
PNPM_VERSION=10.34.9
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  if [ ! -x .tmp/pnpm/node_modules/.bin/pnpm ]; then
    echo "bootstrap: installing pnpm $PNPM_VERSION into .tmp/pnpm" >&2
    npm install --no-save --no-package-lock --prefix .tmp/pnpm "pnpm@$PNPM_VERSION" >/dev/null
  fi
  PATH="$PWD/.tmp/pnpm/node_modules/.bin:$PATH"
  export PATH
fi
export TURBO_TELEMETRY_DISABLED=1
pnpm install --frozen-lockfile
case "${1:-}" in
  demo) exec pnpm run demo:run ;;
  test) exec bash scripts/test.sh ;;
  *) echo "usage: bootstrap.sh demo|test" >&2; exit 2 ;;
esac
