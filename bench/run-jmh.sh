#!/usr/bin/env bash
# Builds the bench module and runs JMH: bench/run-jmh.sh [JMH options, e.g. a benchmark regex].
# Results go to bench/target/jmh-result.json besides the console table.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/select-jdk.sh"
(cd "$root" && ./mvnw -q -B -DskipTests -pl bench -am install) >&2
cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"
cd "$root/bench"
exec "$JAVA_HOME/bin/java" -cp "$cp" org.openjdk.jmh.Main -rf json -rff target/jmh-result.json "$@"
