#!/usr/bin/env bash
# Builds the bench module and runs `java ARGS…` on its classpath from bench/, with a JDK >= 21
# (bin/select-jdk.sh). Each bench/run-*.sh is this plus its JVM options and main class.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bin/select-jdk.sh"
(cd "$root" && ./mvnw -q -B -DskipTests -pl bench -am install) >&2
cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"
cd "$root/bench"
exec "$JAVA_HOME/bin/java" -cp "$cp" "$@"
