#!/usr/bin/env bash
# Installs Debian's prometheus package (server and promtool) when missing: the metrics tests run
# the dashboards' queries against a real Prometheus. Idempotent; one line of output when it acts.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-prometheus: need root or sudo to apt-get install prometheus" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install-prometheus: apt-get install prometheus (server + promtool)"
export DEBIAN_FRONTEND=noninteractive
# the package's service is not wanted: tests start Prometheus themselves on a free loopback port
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
$SUDO sh -c 'command -v systemctl >/dev/null 2>&1 && systemctl disable --now prometheus >/dev/null 2>&1 || true'
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || { echo "install-prometheus: prometheus is still missing" >&2; exit 1; }
