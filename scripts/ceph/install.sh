#!/usr/bin/env bash
# Install Ceph (mon, osd, radosgw, CLI tools) from Debian packages.
# Idempotent: exits 0 immediately when every needed binary is already present.
set -euo pipefail

needed=(radosgw ceph-mon ceph-osd ceph-authtool monmaptool radosgw-admin ceph)
missing=()
for b in "${needed[@]}"; do
  command -v "$b" >/dev/null 2>&1 || missing+=("$b")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "ceph: already installed ($(ceph --version 2>/dev/null | awk '{print $3}'))"
  exit 0
fi
echo "ceph: missing ${missing[*]}; installing from Debian packages"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "ceph: not root and sudo is unavailable" >&2; exit 1; }
  SUDO=(sudo)
fi

${SUDO[@]+"${SUDO[@]}"} apt-get update
${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd ceph-common

for b in "${needed[@]}"; do
  command -v "$b" >/dev/null 2>&1 || { echo "ceph: $b still missing after install" >&2; exit 1; }
done
echo "ceph: installed ($(ceph --version | awk '{print $3}'))"
