#!/usr/bin/env bash
# Installs the pinned OpenAI client (only when the lockfile changed) and runs chat.mjs.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.verinfer-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
fi
exec node chat.mjs "$@"
