#!/usr/bin/env bash
# Builds the bench module and measures on-chain inference latency (request to callback) on a
# fresh devnet with one provider node:
#   bench/run-onchain.sh [requests] [callers] [blockMs] [confirmations]
set -euo pipefail
# shellcheck disable=SC2086
exec "$(dirname "$0")/java.sh" --enable-native-access=ALL-UNNAMED ${LOAD_JAVA_OPTS-} \
  io.verinfer.bench.OnchainLatencyBench "$@"
