#!/usr/bin/env bash
# The README's run command: builds the demo jar (no tests) and starts it on port 3000
# (override with --port N or the PORT environment variable).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests package
exec java -jar demo-app/target/wsvideo-demo.jar "$@"
