#!/usr/bin/env bash
# Builds the bench module and runs the paid-path load generator on a fresh devnet:
#   bench/run-load.sh [callers] [callsPerRound] [rounds] [minilm]
# Extra JVM options (e.g. -XX:StartFlightRecording=...) go in $LOAD_JAVA_OPTS.
set -euo pipefail
# shellcheck disable=SC2086
exec "$(dirname "$0")/java.sh" --enable-native-access=ALL-UNNAMED ${LOAD_JAVA_OPTS-} \
  io.verinfer.bench.PaidPathLoad "$@"
