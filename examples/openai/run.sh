#!/usr/bin/env bash
# Installs the pinned OpenAI client (only when the lockfile changed) and runs embed.mjs.
set -euo pipefail
cd "$(dirname "$0")"
bash ../npm-ci.sh
exec node embed.mjs "$@"
