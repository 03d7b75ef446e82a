#!/usr/bin/env bash
# Builds the bench module and measures the verification modes on a fresh devnet:
#   bench/run-verification.sh [callsPerMode] [catchCalls] [p] [cheatRate]
# Writes the catch-probability plot to bench/verification-catch.png.
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC2086
exec "$bench/java.sh" --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true \
  -Dbench.png="$bench/verification-catch.png" ${LOAD_JAVA_OPTS-} \
  io.verinfer.bench.VerificationBench "$@"
