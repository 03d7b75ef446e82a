#!/usr/bin/env bash
# Installs the pinned npm toolchain (only when package-lock.json changed) and compiles the contracts.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.verinfer-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "contracts: installing pinned npm packages (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
node scripts/compile.js
