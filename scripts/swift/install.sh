#!/usr/bin/env bash
# Install OpenStack Swift (proxy with the s3api middleware, object, container
# and account servers) and memcached from Debian packages.
# Idempotent: exits 0 immediately when every needed binary is already present.
set -euo pipefail

needed=(swift-proxy-server swift-object-server swift-container-server swift-account-server swift-ring-builder memcached)
missing=()
for b in "${needed[@]}"; do
  command -v "$b" >/dev/null 2>&1 || missing+=("$b")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "swift: already installed ($(dpkg-query -W -f '${Version}' swift 2>/dev/null || echo '?'))"
  exit 0
fi
echo "swift: missing ${missing[*]}; installing from Debian packages"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "swift: not root and sudo is unavailable" >&2; exit 1; }
  SUDO=(sudo)
fi

packages=(swift swift-proxy swift-object swift-container swift-account python3-swift memcached)
# The package lists may be present already (a fresh image, or Ceph's install
# just updated them); update only when the install cannot find the packages.
if ! ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/tmp/stowage-swift-apt.log 2>&1; then
  ${SUDO[@]+"${SUDO[@]}"} apt-get update -qq >/dev/null
  ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/tmp/stowage-swift-apt.log 2>&1 ||
    { tail -n 30 /tmp/stowage-swift-apt.log >&2; echo "swift: apt-get install failed" >&2; exit 1; }
fi

for b in "${needed[@]}"; do
  command -v "$b" >/dev/null 2>&1 || { echo "swift: $b still missing after install" >&2; exit 1; }
done
echo "swift: installed ($(dpkg-query -W -f '${Version}' swift))"
