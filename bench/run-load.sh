#!/usr/bin/env bash
# Builds the bench module and runs the paid-path load generator on a fresh devnet:
#   bench/run-load.sh [callers] [callsPerRound] [rounds] [minilm]
# Extra JVM options (e.g. -XX:StartFlightRecording=...) go in $LOAD_JAVA_OPTS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/select-jdk.sh"
(cd "$root" && ./mvnw -q -B -DskipTests -pl bench -am install) >&2
cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"
cd "$root/bench"
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED ${LOAD_JAVA_OPTS-} -cp "$cp" \
  io.verinfer.bench.PaidPathLoad "$@"
