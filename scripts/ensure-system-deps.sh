#!/usr/bin/env bash
# Installs the Debian packages the lab needs (real OVS and OVN) when they are missing.
# Runs as root only; a non-root user is told what to install. No system service is started.
set -euo pipefail
need=()
for bin in ovs-vswitchd ovsdb-server ovn-northd ovn-controller ovn-trace ovn-detrace unshare; do
  command -v "$bin" >/dev/null 2>&1 || need+=("$bin")
done
/usr/bin/python3 -c 'import ovs' >/dev/null 2>&1 || need+=("python3-openvswitch")
[ ${#need[@]} -eq 0 ] && exit 0
pkgs="openvswitch-switch ovn-central ovn-host ovn-common python3-openvswitch util-linux"
if [ "$(id -u)" != "0" ]; then
  echo "cni-trace lab: missing ${need[*]}; run as root, or install: apt-get install $pkgs" >&2
  exit 1
fi
echo "cni-trace lab: installing $pkgs (missing: ${need[*]})" >&2
# Keep Debian's maintainer scripts from starting system-wide OVS/OVN services.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq $pkgs >&2
