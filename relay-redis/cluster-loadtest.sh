#!/usr/bin/env bash
# The load tool against two relay nodes joined by Redis (docs/performance.md, "Cluster through Redis"):
# viewers on node B; the publisher first on B itself (no Redis on the path), then on node A (A -> Redis -> B).
# Same viewers, same stream, same processes. CPU of each node and of redis-server from /proc.
# Usage: bash relay-redis/cluster-loadtest.sh [viewers=200] [seconds=30] [extra load tool options...]
# Needs redis-server, taskset; builds the demo jar and the load tool when missing (REBUILD=1 forces it).
set -euo pipefail
cd "$(dirname "$0")/.."
viewers=${1:-200}
secs=${2:-30}
shift $(( $# > 2 ? 2 : $# ))
if [[ "${REBUILD:-0}" == 1 || ! -f relay-loadtest/target/wsvideo-loadtest.jar || ! -f demo-app/target/wsvideo-demo.jar ]]; then
  mvn -B -q -DskipTests -pl demo-app,relay-loadtest -am package
fi
out=relay-loadtest/target/cluster
mkdir -p "$out"
free_port() {
  local p
  for p in $(shuf -i 20000-45000 -n 50); do
    if ! (exec 3<>/dev/tcp/127.0.0.1/"$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "no free port" >&2; exit 1
}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
pin=(); command -v taskset >/dev/null && pin=(taskset -c "${RELAY_CPU:-0}")
rport=$(free_port); pa=$(free_port); pb=$(free_port)
"${pin[@]}" redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
  > "$out/redis.log" 2>&1 & redis=$!; pids+=("$redis")
"${pin[@]}" java -jar demo-app/target/wsvideo-demo.jar --host 127.0.0.1 --port "$pa" \
  --redis "redis://127.0.0.1:$rport" > "$out/node-a.log" 2>&1 & a=$!; pids+=("$a")
"${pin[@]}" java -jar demo-app/target/wsvideo-demo.jar --host 127.0.0.1 --port "$pb" \
  --redis "redis://127.0.0.1:$rport" > "$out/node-b.log" 2>&1 & b=$!; pids+=("$b")
for i in $(seq 1 120); do
  if grep -q "connected to Redis" "$out/node-a.log" 2>/dev/null && grep -q "connected to Redis" "$out/node-b.log" 2>/dev/null; then break; fi
  sleep 0.5
done
grep -q "connected to Redis" "$out/node-b.log" || { echo "nodes did not start: see $out" >&2; exit 1; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() { # label, extra tool args...
  local label=$1; shift
  local a0 b0 r0 t0 t1
  a0=$(ticks "$a"); b0=$(ticks "$b"); r0=$(ticks "$redis"); t0=$(date +%s.%N)
  bash relay-loadtest/run.sh --relay url --url "ws://127.0.0.1:$pb" --relay-pid "$b" --viewers "$viewers" \
    --seconds "$secs" --channel "c$RANDOM" --out "$out" "$@" | tee "$out/$label.txt"
  t1=$(date +%s.%N)
  awk -v l="$label" -v a="$(( $(ticks "$a") - a0 ))" -v b="$(( $(ticks "$b") - b0 ))" \
      -v r="$(( $(ticks "$redis") - r0 ))" -v t="$(echo "$t1 - $t0" | bc)" 'BEGIN {
    printf "CPU over the whole run (%s, %.0f s wall incl. connect/drain): node A %.1f %%, node B %.1f %%, redis-server %.1f %% of one core\n",
      l, t, a / t, b / t, r / t }' | tee -a "$out/cpu.txt"
}
run warmup-local "$@" > /dev/null
run local "$@"
run cluster --publish-url "ws://127.0.0.1:$pa" "$@"
run local-again "$@"
