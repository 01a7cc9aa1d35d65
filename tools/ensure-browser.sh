#!/usr/bin/env bash
# Makes a headless browser available for the web app's browser tests (tests/browser): Debian's
# `chromium` package, installed when /usr/bin/chromium is missing. Source it from test.sh. Needs
# apt access the first time; without it the browser tests skip and say why.
_browser_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$_browser_path" ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing chromium (Debian package) for the browser tests; this takes a minute"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 || {
    echo "   refreshing the package lists first"
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
      || echo "== chromium could not be installed: the browser tests will skip"; }
  if [ -x "$_browser_path" ]; then
    echo "   installed: $("$_browser_path" --version 2>/dev/null || echo chromium)"
  fi
fi
unset _browser_path
