#!/usr/bin/env bash
# The load tool in one command, from anywhere:
#   bash relay-loadtest/run.sh                          # both relays, 1000 viewers, 30 s each
#   bash relay-loadtest/run.sh --suite full             # the issue's targets (about 8 minutes)
#   bash relay-loadtest/run.sh --relay java --viewers 1000,4000,6000 --seconds 20
#   bash relay-loadtest/run.sh --help
#   bash relay-loadtest/run.sh --relay c,node,tyrus,netty --viewers 1000 --seconds 25
# Builds the demo jar and the tool when missing (or when REBUILD=1), the C relay with the system cc when missing
# or older than its source, installs the Node baseline's `ws` (npm ci) when missing, then runs the tool pinned to
# CPU 1; the tool pins each relay to CPU 0.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${REBUILD:-0}" == 1 || ! -f relay-loadtest/target/wsvideo-loadtest.jar || ! -f demo-app/target/wsvideo-demo.jar ]]; then
  mvn -B -q -DskipTests -pl demo-app,relay-loadtest -am package
fi
c_relay=relay-loadtest/target/c-relay/relay
if command -v cc >/dev/null && [[ ! -x "$c_relay" || relay-loadtest/c-baseline/relay.c -nt "$c_relay" ]]; then
  mkdir -p "$(dirname "$c_relay")"
  cc -O2 -Wall -o "$c_relay" relay-loadtest/c-baseline/relay.c
fi
if [[ ! -d relay-loadtest/node-baseline/node_modules/ws ]] && command -v npm >/dev/null; then
  (cd relay-loadtest/node-baseline && npm ci --no-audit --no-fund --silent)
fi
pin=()
if command -v taskset >/dev/null && [[ "$(nproc)" -ge 2 ]]; then
  pin=(taskset -c "${TOOL_CPU:-1}")
fi
exec "${pin[@]}" java -Xms256m -Xmx2g -jar relay-loadtest/target/wsvideo-loadtest.jar "$@"
