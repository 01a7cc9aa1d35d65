#!/usr/bin/env bash
# Makes the deploy checks' tools available: promtool (Debian's prometheus package) and nginx (for
# the gateway tests), both unpacked into .cache/ops-tools with no service installed, and
# docker-compose (Debian's package, installed). Source it: it prepends the unpacked tools to PATH.
# Needs apt access the first time; later runs reuse .cache/ops-tools.
set -euo pipefail
_ops_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.cache/ops-tools"

# _ops_unpack PACKAGE PATH-OF-THE-BINARY-INSIDE-IT: fetches and unpacks the package unless the
# binary is already on PATH or unpacked.
_ops_unpack() {
  if command -v "$(basename "$2")" >/dev/null 2>&1 || [ -x "$_ops_root/$2" ]; then
    return 0
  fi
  echo "== fetching $(basename "$2") (Debian package $1, unpacked into .cache/ops-tools)"
  mkdir -p "$_ops_root/deb"
  (cd "$_ops_root/deb" && apt-get download "$1" >/dev/null 2>&1 || {
     apt-get update -qq >/dev/null 2>&1 && apt-get download "$1" >/dev/null; })
  dpkg -x "$_ops_root"/deb/"$1"_*.deb "$_ops_root"
  rm -rf "$_ops_root/deb"
}
_ops_unpack prometheus usr/bin/promtool
_ops_unpack nginx usr/sbin/nginx
if [ -x "$_ops_root/usr/bin/promtool" ]; then
  export PATH="$_ops_root/usr/bin:$PATH"
fi
if ! command -v docker-compose >/dev/null 2>&1; then
  echo "== installing docker-compose (Debian package) to validate compose.yaml"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null; }
fi
