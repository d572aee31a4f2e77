#!/usr/bin/env bash
# Installs what the test suite needs on a Debian machine: Debian's Chromium and its matching
# chromedriver (the browser tests drive them; nothing downloads a browser), and redis-server (relay-redis's
# cluster tests start their own on a free loopback port; the package's service is not used). Idempotent.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing ${need[*]}: run as root, or: sudo apt-get install -y chromium chromium-driver redis-server" >&2
    exit 1
  fi
  echo "Installing ${need[*]} from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
chromium --version 2>/dev/null | grep -v "unexpected operator" || true
chromedriver --version
redis-server --version
