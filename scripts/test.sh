#!/usr/bin/env bash
# The README's test command: installs the test dependencies when missing, then runs every test
# (unit, integration against real containers, and end to end in headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
exec mvn -B verify "$@"
