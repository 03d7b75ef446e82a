#!/usr/bin/env bash
# Builds the bench module and measures the verification modes on a fresh devnet:
#   bench/run-verification.sh [callsPerMode] [catchCalls] [p] [cheatRate]
# Writes the catch-probability plot to bench/verification-catch.png.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/select-jdk.sh"
(cd "$root" && ./mvnw -q -B -DskipTests -pl bench -am install) >&2
cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"
cd "$root/bench"
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true \
  -Dbench.png="$root/bench/verification-catch.png" ${LOAD_JAVA_OPTS-} -cp "$cp" \
  io.verinfer.bench.VerificationBench "$@"
