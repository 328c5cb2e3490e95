#!/usr/bin/env bash
# Installs Debian's chromium package when /usr/bin/chromium is missing: the live-page test drives
# it with playwright-core (which never downloads a browser of its own). Idempotent; one line of
# output when it acts.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-chromium: need root or sudo to apt-get install chromium" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install-chromium: apt-get install chromium (headless browser for test/integration/live-page.test.ts)"
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
fail() { cat "$log" >&2; echo "install-chromium: $1" >&2; exit 1; }
# update the package lists only when apt does not know chromium yet
if ! apt-cache show chromium >/dev/null 2>&1; then
  $SUDO apt-get update -qq >"$log" 2>&1 || fail "apt-get update failed"
fi
$SUDO apt-get install -y -qq --no-install-recommends chromium >"$log" 2>&1 || fail "apt-get install chromium failed"
[ -x /usr/bin/chromium ] || { echo "install-chromium: /usr/bin/chromium is still missing after apt-get install" >&2; exit 1; }
