#!/usr/bin/env bash
# Installs the pinned ethers (only when the lockfile changed) and runs vote.mjs with the arguments.
set -euo pipefail
cd "$(dirname "$0")"
bash ../npm-ci.sh
exec node vote.mjs "$@"
