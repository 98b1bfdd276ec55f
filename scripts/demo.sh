#!/usr/bin/env bash
# `npm run demo`: an embedded host + local runner, a 3-value sweep submitted and waited for, each
# task's output printed, then a clean stop. Runs from the sources with tsx (no build needed).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi
exec node --import tsx scripts/demo.ts "$@"
