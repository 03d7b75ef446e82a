#!/usr/bin/env bash
# Builds the bench module and runs JMH: bench/run-jmh.sh [JMH options, e.g. a benchmark regex].
# Results go to bench/target/jmh-result.json besides the console table.
set -euo pipefail
exec "$(dirname "$0")/java.sh" org.openjdk.jmh.Main -rf json -rff target/jmh-result.json "$@"
