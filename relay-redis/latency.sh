#!/usr/bin/env bash
# What a trip through Redis adds between two relay nodes, and its CPU cost (docs/performance.md, "Cluster").
# Usage: bash relay-redis/latency.sh [chunks=3000] [intervalMs=20] [viewersPerNode=1]
# Needs redis-server on the PATH (it starts its own on a free loopback port). TASKSET="taskset -c 1" pins it.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl relay-redis -am install -DskipTests
mvn -B -q -pl relay-redis dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/test-classpath.txt
cp="relay-redis/target/test-classes:relay-redis/target/classes:$(cat relay-redis/target/test-classpath.txt)"
exec ${TASKSET:-} java -cp "$cp" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    io.wsvideo.relay.redis.ClusterLatencyHarness "$@"
