#!/usr/bin/env bash
# Makes promtool (from Debian's prometheus package, unpacked, no service installed), nginx (for
# the gateway tests, unpacked the same way) and
# docker-compose (Debian's package) available for the deploy checks. Source it: it prepends the
# unpacked tools to PATH. Needs apt access the first time; later runs reuse .cache/ops-tools.
set -euo pipefail
_ops_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.cache/ops-tools"
if ! command -v promtool >/dev/null 2>&1 && [ ! -x "$_ops_root/usr/bin/promtool" ]; then
  echo "== fetching promtool (Debian package prometheus, unpacked into .cache/ops-tools)"
  mkdir -p "$_ops_root/deb"
  (cd "$_ops_root/deb" && apt-get download prometheus >/dev/null 2>&1 || {
     apt-get update -qq >/dev/null 2>&1 && apt-get download prometheus >/dev/null; })
  dpkg -x "$_ops_root"/deb/prometheus_*.deb "$_ops_root"
  rm -rf "$_ops_root/deb"
fi
if ! command -v nginx >/dev/null 2>&1 && [ ! -x "$_ops_root/usr/sbin/nginx" ]; then
  echo "== fetching nginx (Debian package nginx, unpacked into .cache/ops-tools) for the gateway tests"
  mkdir -p "$_ops_root/deb"
  (cd "$_ops_root/deb" && apt-get download nginx >/dev/null 2>&1 || {
     apt-get update -qq >/dev/null 2>&1 && apt-get download nginx >/dev/null; })
  dpkg -x "$_ops_root"/deb/nginx_*.deb "$_ops_root"
  rm -rf "$_ops_root/deb"
fi
if [ -x "$_ops_root/usr/bin/promtool" ]; then
  export PATH="$_ops_root/usr/bin:$PATH"
fi
if ! command -v docker-compose >/dev/null 2>&1; then
  echo "== installing docker-compose (Debian package) to validate compose.yaml"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null; }
fi
