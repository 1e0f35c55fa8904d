#!/usr/bin/env bash
# Installs the Debian packages the tests need: Chromium for the browser tests,
# and Ceph (RGW) and OpenStack Swift for the two real S3 servers. Outside CI a failed install is a loud
# warning (the dependent suites then skip); in CI it is an error.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian chromium" >&2
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends chromium >/dev/null || status=1
fi
bash scripts/ceph/install.sh || status=1
bash scripts/swift/install.sh || status=1
if [ "$status" -ne 0 ]; then
  if [ "${CI:-}" = "true" ]; then echo "system packages failed to install" >&2; exit 1; fi
  echo "!!! WARNING: some system packages failed to install; dependent suites will be skipped !!!" >&2
fi
exit 0
