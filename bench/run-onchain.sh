#!/usr/bin/env bash
# Builds the bench module and measures on-chain inference latency (request to callback) on a
# fresh devnet with one provider node:
#   bench/run-onchain.sh [requests] [callers] [blockMs] [confirmations]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/select-jdk.sh"
(cd "$root" && ./mvnw -q -B -DskipTests -pl bench -am install) >&2
cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"
cd "$root/bench"
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED ${LOAD_JAVA_OPTS-} -cp "$cp" \
  io.verinfer.bench.OnchainLatencyBench "$@"
