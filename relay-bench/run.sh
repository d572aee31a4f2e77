#!/usr/bin/env bash
# The JMH suite in one command (about 2-3 minutes with these short iterations):
#   bash relay-bench/run.sh                   # fan-out at 1/100/1000/10000 viewers with -prof gc, segmenter
#   bash relay-bench/run.sh FanOut -p viewers=1000 -wi 5 -i 10   # any JMH arguments instead
# Builds relay-bench/target/wsvideo-bench.jar when missing (or when REBUILD=1). Results: the JMH output,
# relay-bench/target/jmh-result.json and a summary table (per viewer per chunk, MB/s).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${REBUILD:-0}" == 1 || ! -f relay-bench/target/wsvideo-bench.jar ]]; then
  mvn -B -q -DskipTests -pl relay-bench -am package
fi
jar=relay-bench/target/wsvideo-bench.jar
out=relay-bench/target/jmh-result.json
if [[ $# -gt 0 ]]; then
  exec java -jar "$jar" -rf json -rff "$out" "$@"
fi
java -jar "$jar" -prof gc -rf json -rff "$out" 'FanOutBenchmark|SegmenterBenchmark'
java -cp "$jar" io.wsvideo.bench.Summary "$out"
