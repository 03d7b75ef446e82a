#!/usr/bin/env bash
# Installs the pinned npm packages of the example in the current directory, only when its
# package-lock.json changed since the last install (a stamp in node_modules remembers it).
set -euo pipefail
stamp=node_modules/.verinfer-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
fi
